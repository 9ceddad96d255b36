using Xunit.Abstractions;
using Xunit.Sdk;

namespace OtpFast.Core.Tests.Store.Contract;

/// <summary>
/// A contract test: inherited by every store's test class, and skipped (with the reason shown)
/// in a class whose <see cref="StoreUnderTestAttribute"/> names a server that is not running.
/// </summary>
/// <remarks>
/// A plain fact's skip is fixed where the method is declared, in the shared base class; this one
/// is decided per class, so the in-memory run never skips and a Redis run without Redis says why.
/// </remarks>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("OtpFast.Core.Tests.Store.Contract.ContractFactDiscoverer", "OtpFast.Core.Tests")]
public sealed class ContractFactAttribute : FactAttribute
{
}

/// <summary>The server a contract test class needs; a class without it needs none.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class StoreUnderTestAttribute(StoreEngine engine) : Attribute
{
    public StoreEngine Engine { get; } = engine;
}

public sealed class ContractFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        IAttributeInfo? needs = testMethod.TestClass.Class.GetCustomAttributes(typeof(StoreUnderTestAttribute)).FirstOrDefault();
        string? skip = needs is null ? null : StoreEndpoints.SkipReason(needs.GetConstructorArguments().OfType<StoreEngine>().Single());
        yield return new ContractTestCase(diagnostics, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, skip);
    }
}

/// <summary>A contract test case carrying its class's skip reason (serialized, so runners see it too).</summary>
public sealed class ContractTestCase : XunitTestCase
{
    private string? _skip;

    [Obsolete("Called by the de-serializer only")]
    public ContractTestCase()
    {
    }

    public ContractTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod, string? skip)
        : base(diagnostics, display, displayOptions, testMethod)
    {
        _skip = skip;
    }

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("ContractSkip", _skip);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        _skip = data.GetValue<string>("ContractSkip");
        base.Deserialize(data);
    }

    protected override string? GetSkipReason(IAttributeInfo factAttribute) => _skip;
}
