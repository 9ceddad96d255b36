namespace OtpFast.Core.Codes;

/// <summary>The alphabet an OTP is drawn from (API.md: codeType).</summary>
public enum CodeType : byte
{
    /// <summary>Digits 0-9.</summary>
    Num = 0,

    /// <summary>Letters A-Z.</summary>
    Alpha = 1,

    /// <summary>Digits 0-9 and letters A-Z.</summary>
    Alphanum = 2,
}
