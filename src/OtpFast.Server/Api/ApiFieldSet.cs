namespace OtpFast.Server.Api;

/// <summary>
/// A set of <see cref="ApiField"/>s, such as the fields one endpoint reads: an object or array in
/// one of those answers 400, while the same in a field the endpoint does not read is ignored like
/// an unknown property.
/// </summary>
internal readonly struct ApiFieldSet
{
    private readonly uint _bits;

    private ApiFieldSet(uint bits) => _bits = bits;

    public static ApiFieldSet Of(params ReadOnlySpan<ApiField> fields)
    {
        uint bits = 0;
        foreach (ApiField field in fields)
        {
            bits |= Bit(field);
        }

        return new ApiFieldSet(bits);
    }

    public bool Contains(ApiField field) => (_bits & Bit(field)) != 0;

    private static uint Bit(ApiField field) => field is > ApiField.Unknown and < ApiField.Count ? 1u << (int)field : 0;
}
