using OtpFast.Core.Codes;
using OtpFast.Core.Tokens;

namespace OtpFast.Server.Api;

/// <summary>A verifyOneTimeCode body, parsed once; each field's check runs when the endpoint asks for it, in API.md's order.</summary>
internal readonly ref struct VerifyArgs
{
    // The fields this call reads: an object or array in one of them answers 400.
    private static readonly ApiFieldSet Reads = ApiFieldSet.Of(ApiField.ApiKey, ApiField.Token, ApiField.Otp);

    private readonly RequestValue _token;
    private readonly RequestValue _otp;

    private VerifyArgs(scoped in RequestFields fields)
    {
        ApiKey = fields[ApiField.ApiKey].Text;
        _token = fields[ApiField.Token];
        _otp = fields[ApiField.Otp];
    }

    /// <summary>The key; empty when left out, null or "" (code 402).</summary>
    public ReadOnlySpan<byte> ApiKey { get; }

    /// <summary>Reads <paramref name="body"/>; false (code 400) when it is not a JSON object or a field this call reads holds an object or array.</summary>
    /// <param name="scratch">At least as long as <paramref name="body"/>.</param>
    public static bool TryParse(ReadOnlySpan<byte> body, Span<byte> scratch, out VerifyArgs args)
    {
        if (!RequestFields.TryParse(body, scratch, Reads, out RequestFields fields))
        {
            args = default;
            return false;
        }

        args = new VerifyArgs(fields);
        return true;
    }

    /// <summary>Code 442 when false: a string of a form the server could have issued.</summary>
    public bool TryGetToken(out OtpToken token)
    {
        token = default;
        return _token.Kind == ValueKind.String && OtpToken.TryParse(_token.Text, out token);
    }

    /// <summary>
    /// Code 442 when false: a plausible code, as a string or a JSON number (read by its literal
    /// text, so a number cannot carry a leading zero).
    /// </summary>
    public bool TryGetOtp(out OtpCode otp)
    {
        if (_otp.Kind is not (ValueKind.String or ValueKind.Number) || !CodeAlphabet.IsPlausibleCode(_otp.Text))
        {
            otp = default;
            return false;
        }

        otp = new OtpCode(_otp.Text);
        return true;
    }
}
