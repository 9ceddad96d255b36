using System.Text.Json.Serialization;

namespace OtpFast.Core.Accounts;

/// <summary>The accounts file as stored on disk (see README, "Accounts file").</summary>
internal sealed class AccountsFileModel
{
    public int Version { get; set; } = 1;

    public int NextId { get; set; } = 1;

    /// <summary>
    /// 32 random bytes as hex, made with the file: the nodes of one deployment share it by sharing
    /// the file, and a shared store keys its pairs and tokens with it (null in files written before it).
    /// </summary>
    public string? DeploymentSecret { get; set; }

    public List<AccountRecord> Accounts { get; set; } = [];
}

/// <summary>One account as stored on disk: a key digest, never a key.</summary>
internal sealed class AccountRecord
{
    public int Id { get; set; }

    public string? Name { get; set; }

    public string? KeySha256 { get; set; }

    public string? State { get; set; }

    /// <summary>Last valid UTC day as YYYY-MM-DD, or null.</summary>
    public string? Expires { get; set; }

    /// <summary>Requests per second; null = the server's default, 0 = unlimited.</summary>
    public int? RatePerSecond { get; set; }

    /// <summary>The digest of the key a rotation replaced, still accepted until <see cref="PreviousKeyUntil"/>; null when none.</summary>
    public string? PreviousKeySha256 { get; set; }

    /// <summary>When the previous key stops working, UTC, as yyyy-MM-ddTHH:mm:ssZ.</summary>
    public string? PreviousKeyUntil { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AccountsFileModel))]
internal sealed partial class AccountsJsonContext : JsonSerializerContext;
