using System.Text;
using OtpFast.Core.Codes;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Api;

/// <summary>
/// A requestOneTimeCode body, parsed once. Each field's check runs when the endpoint asks for it,
/// in API.md's order; a field left out or given as null (<see cref="RequestValue.IsAbsent"/>)
/// takes its default.
/// </summary>
internal readonly ref struct RequestCodeArgs
{
    // The fields this call reads: an object or array in one of them answers 400.
    private static readonly ApiFieldSet Reads = ApiFieldSet.Of(
        ApiField.ApiKey, ApiField.CodeType, ApiField.CodeLength, ApiField.TokenCreator, ApiField.Expiry, ApiField.ReCreate);

    private readonly RequestValue _codeType;
    private readonly RequestValue _codeLength;
    private readonly RequestValue _expiry;
    private readonly RequestValue _reCreate;

    private RequestCodeArgs(scoped in RequestFields fields)
    {
        ApiKey = fields[ApiField.ApiKey].Text;
        TokenCreator = fields[ApiField.TokenCreator].Text;
        _codeType = fields[ApiField.CodeType];
        _codeLength = fields[ApiField.CodeLength];
        _expiry = fields[ApiField.Expiry];
        _reCreate = fields[ApiField.ReCreate];
    }

    /// <summary>The key; empty when left out, null or "" (code 402).</summary>
    public ReadOnlySpan<byte> ApiKey { get; }

    /// <summary>The end user's identifier; empty when left out, null or "", which all mean none (no pair is stored).</summary>
    public ReadOnlySpan<byte> TokenCreator { get; }

    /// <summary>
    /// Reads <paramref name="body"/>; false (code 400) when it is not a JSON object, a field this
    /// call reads holds an object or array, or tokenCreator is over its length.
    /// </summary>
    /// <param name="scratch">At least as long as <paramref name="body"/>.</param>
    public static bool TryParse(ReadOnlySpan<byte> body, Span<byte> scratch, out RequestCodeArgs args)
    {
        if (!RequestFields.TryParse(body, scratch, Reads, out RequestFields fields))
        {
            args = default;
            return false;
        }

        args = new RequestCodeArgs(fields);
        return !IsTooLong(args.TokenCreator, ServerOptions.MaxTokenCreatorChars);
    }

    /// <summary>Code 480 when false: num, alpha or alphanum in any case; default num.</summary>
    public bool TryGetCodeType(out CodeType codeType)
    {
        codeType = CodeType.Num;
        return _codeType.IsAbsent || (_codeType.Kind == ValueKind.String && CodeAlphabet.TryParse(_codeType.Text, out codeType));
    }

    /// <summary>Code 481 when false: an integer in 4..12; default 4.</summary>
    public bool TryGetCodeLength(out int codeLength)
    {
        codeLength = CodeAlphabet.MinLength;
        if (_codeLength.IsAbsent)
        {
            return true;
        }

        if (!_codeLength.TryGetInteger(out long value) || !CodeAlphabet.IsValidLength((int)Math.Min(value, int.MaxValue)))
        {
            return false;
        }

        codeLength = (int)value;
        return true;
    }

    /// <summary>Code 482 when false: whole seconds up to <paramref name="maxSeconds"/>; default 0, no expiry.</summary>
    public bool TryGetExpiry(int maxSeconds, out int seconds)
    {
        seconds = 0;
        if (_expiry.IsAbsent)
        {
            return true;
        }

        if (!_expiry.TryGetInteger(out long value) || value > maxSeconds)
        {
            return false;
        }

        seconds = (int)value;
        return true;
    }

    /// <summary>Code 483 when false: a boolean; default false.</summary>
    public bool TryGetReCreate(out bool reCreate)
    {
        reCreate = false;
        return _reCreate.IsAbsent || _reCreate.TryGetBoolean(out reCreate);
    }

    // Counted in characters, as API.md states the limit; only a value long enough in bytes to be
    // over it is counted.
    private static bool IsTooLong(ReadOnlySpan<byte> text, int maxChars) =>
        text.Length > maxChars && Encoding.UTF8.GetCharCount(text) > maxChars;
}
