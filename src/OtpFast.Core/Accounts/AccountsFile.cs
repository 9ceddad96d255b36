using System.Security.Cryptography;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OtpFast.Core.IO;

namespace OtpFast.Core.Accounts;

/// <summary>
/// Reads and writes the accounts file (<c>accounts.json</c> in the data directory).
/// </summary>
/// <remarks>
/// Writes go through <see cref="AtomicPrivateFile"/> (temp file 0600, fsync, rename, fsync of the
/// directory), so a reader (the running server) sees either the old or the new file, never a
/// half-written one. Edits from concurrent CLI runs are serialised by an exclusive lock file.
/// Every I/O failure surfaces as an <see cref="AccountsFileException"/> in our own words, naming the path.
/// </remarks>
public static partial class AccountsFile
{
    public const string FileName = "accounts.json";
    private const string DateFormat = "yyyy-MM-dd";
    private const string InstantFormat = "yyyy-MM-ddTHH:mm:ssZ";

    /// <summary>How long an edit waits for another edit's lock before it gives up.</summary>
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(50);

    public static string PathIn(string dataDir) => Path.Combine(dataDir, FileName);

    /// <summary>Reads and validates the file.</summary>
    /// <exception cref="AccountsFileException">The file is missing, unreadable or invalid.</exception>
    public static AccountDirectory Load(string path) => ToDirectory(ReadModel(path), path);

    /// <summary>Creates a new file holding one account; returns its key (to be shown once).</summary>
    /// <exception cref="AccountsFileException">The file already exists.</exception>
    public static string CreateWith(string path, string accountName)
    {
        string key = ApiKey.Create();
        Edit(path, createIfMissing: true, model =>
        {
            if (model.Accounts.Count > 0)
            {
                throw new AccountsFileException($"{path}: already holds accounts.");
            }

            AddRecord(model, accountName, key, null);
        });
        return key;
    }

    /// <summary>Adds an account; returns its new key.</summary>
    public static string Add(string path, string name, DateOnly? expiresOn, int? ratePerSecond = null)
    {
        ValidateName(name);
        string key = ApiKey.Create();
        Edit(path, createIfMissing: true, model =>
        {
            if (model.Accounts.Exists(a => a.Name == name))
            {
                throw new AccountsFileException($"{path}: an account named '{name}' already exists.");
            }

            AddRecord(model, name, key, expiresOn, ratePerSecond);
        });
        return key;
    }

    /// <summary>
    /// Gives the account a new key; returns it. The current key keeps working for
    /// <paramref name="grace"/> (zero: it stops at once). A key that an earlier rotation left
    /// in its grace stops at once: an account has at most two keys.
    /// </summary>
    public static string Rotate(string path, string name, TimeSpan grace, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(grace.Ticks, nameof(grace));
        string key = ApiKey.Create();
        Edit(path, createIfMissing: false, model =>
        {
            AccountRecord account = Find(model, path, name);
            bool keepOld = grace > TimeSpan.Zero;
            account.PreviousKeySha256 = keepOld ? account.KeySha256 : null;
            account.PreviousKeyUntil = keepOld ? FormatInstant(now + grace) : null;
            account.KeySha256 = KeyDigest.Of(System.Text.Encoding.UTF8.GetBytes(key)).ToHex();
        });
        return key;
    }

    /// <summary>Sets the account's request rate; null = the server's default, 0 = unlimited.</summary>
    /// <remarks>A negative rate is refused by the validation every edit runs before writing.</remarks>
    public static void SetRate(string path, string name, int? ratePerSecond) =>
        Edit(path, createIfMissing: false, model => Find(model, path, name).RatePerSecond = ratePerSecond);

    public static void SetState(string path, string name, AccountState state) =>
        Edit(path, createIfMissing: false, model => Find(model, path, name).State = AccountStateNames.ToName(state));

    public static void SetExpiry(string path, string name, DateOnly? expiresOn) =>
        Edit(path, createIfMissing: false, model => Find(model, path, name).Expires = FormatDate(expiresOn));

    public static void Remove(string path, string name) =>
        Edit(path, createIfMissing: false, model => model.Accounts.Remove(Find(model, path, name)));

    /// <summary>
    /// Gives a file written before deployment secrets one (every later write keeps it); returns
    /// whether it had to. Copy the file to every node afterwards: nodes with different secrets
    /// do not share pairs.
    /// </summary>
    public static bool EnsureDeploymentSecret(string path)
    {
        bool added = false;
        Edit(path, createIfMissing: false, model => added = model.DeploymentSecret is null);
        return added;
    }

    private static string NewDeploymentSecret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>Whether <paramref name="name"/> may name an account: 1 to 64 of A-Z a-z 0-9 . _ -</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public static void ValidateName(string name)
    {
        if (!IsValidName(name))
        {
            throw new AccountsFileException($"invalid account name '{name}': use 1 to 64 of A-Z a-z 0-9 . _ -");
        }
    }

    private static void AddRecord(AccountsFileModel model, string name, string key, DateOnly? expiresOn, int? ratePerSecond = null)
    {
        model.Accounts.Add(new AccountRecord
        {
            Id = model.NextId++,
            Name = name,
            KeySha256 = KeyDigest.Of(System.Text.Encoding.UTF8.GetBytes(key)).ToHex(),
            State = AccountStateNames.Active,
            Expires = FormatDate(expiresOn),
            RatePerSecond = ratePerSecond,
        });
    }

    private static AccountRecord Find(AccountsFileModel model, string path, string name) =>
        model.Accounts.Find(a => a.Name == name) ?? throw new AccountsFileException($"{path}: no account named '{name}'.");

    private static string? FormatDate(DateOnly? date) => date?.ToString(DateFormat, CultureInfo.InvariantCulture);

    // Whole seconds, rounded up, so the grace is never shorter than asked for.
    private static string FormatInstant(DateTimeOffset instant) =>
        new DateTimeOffset((instant.UtcTicks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero)
            .ToString(InstantFormat, CultureInfo.InvariantCulture);

    private static void Edit(string path, bool createIfMissing, Action<AccountsFileModel> change)
    {
        path = Path.GetFullPath(path);
        try
        {
            _ = DataDirectory.Create(Path.GetDirectoryName(path) ?? ".");
        }
        catch (IOException e)
        {
            throw new AccountsFileException(e.Message, e);
        }

        using FileStream lockFile = AcquireLock(path + ".lock");
        AccountsFileModel model;
        if (File.Exists(path))
        {
            model = ReadModel(path);
            _ = ToDirectory(model, path);
        }
        else if (createIfMissing)
        {
            model = new AccountsFileModel();
        }
        else
        {
            throw new AccountsFileException($"{path}: no accounts file (run 'otpfast accounts add NAME' first).");
        }

        change(model);
        model.DeploymentSecret ??= NewDeploymentSecret();
        _ = ToDirectory(model, path);
        try
        {
            AtomicPrivateFile.Write(path, stream =>
            {
                JsonSerializer.Serialize(stream, model, AccountsJsonContext.Default.AccountsFileModel);
                return stream.Position;
            });
        }
        catch (IOException e)
        {
            // Already our own words: "cannot write PATH: CAUSE" (or the directory sync that failed).
            throw new AccountsFileException(e.Message, e);
        }
    }

    private static FileStream AcquireLock(string lockPath)
    {
        FileStreamOptions options = PrivateFile.Options(FileMode.OpenOrCreate, FileAccess.ReadWrite);
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, options);
            }
            catch (IOException e) when (DataDirLock.IsLockConflict(e))
            {
                if (Stopwatch.GetElapsedTime(start) >= LockWait)
                {
                    throw new AccountsFileException(
                        $"the accounts file is locked by another process for more than {LockWait.TotalSeconds:0} s: {lockPath}", e);
                }

                Thread.Sleep(LockRetry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new AccountsFileException($"cannot open the lock file {lockPath}: {IoProblem.Describe(e)}", e);
            }
        }
    }

    private static AccountsFileModel ReadModel(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, AccountsJsonContext.Default.AccountsFileModel)
                ?? throw new AccountsFileException($"{path}: the file holds JSON null, not an accounts object.");
        }
        catch (JsonException e)
        {
            throw new AccountsFileException($"{path}: not valid accounts JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AccountsFileException($"cannot read {path}: {IoProblem.Describe(e)}", e);
        }
    }

    private static AccountDirectory ToDirectory(AccountsFileModel model, string path)
    {
        if (model.Version != 1)
        {
            throw new AccountsFileException($"{path}: unsupported version {model.Version} (this server reads version 1).");
        }

        model.Accounts ??= [];
        var accounts = new List<Account>(model.Accounts.Count);
        var ids = new HashSet<int>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var digests = new HashSet<KeyDigest>();
        for (int i = 0; i < model.Accounts.Count; i++)
        {
            AccountRecord r = model.Accounts[i] ?? throw new AccountsFileException($"{path}: accounts[{i}] is null.");
            string where = $"{path}: accounts[{i}]";
            if (r.Name is null || !NamePattern().IsMatch(r.Name))
            {
                throw new AccountsFileException($"{where}: missing or invalid name.");
            }

            if (r.Id < 1 || r.Id >= model.NextId || !ids.Add(r.Id))
            {
                throw new AccountsFileException($"{where} ('{r.Name}'): id {r.Id} is not unique, or not between 1 and nextId - 1.");
            }

            if (!names.Add(r.Name))
            {
                throw new AccountsFileException($"{where}: duplicate name '{r.Name}'.");
            }

            if (!KeyDigest.TryParseHex(r.KeySha256, out KeyDigest digest) || !digests.Add(digest))
            {
                throw new AccountsFileException($"{where} ('{r.Name}'): keySha256 must be a unique 64-character hex SHA-256 digest.");
            }

            if (!AccountStateNames.TryParse(r.State, out AccountState state))
            {
                throw new AccountsFileException($"{where} ('{r.Name}'): state must be active, sending-blocked or deactivated.");
            }

            DateOnly? expires = null;
            if (r.Expires is not null)
            {
                if (!TryParseDate(r.Expires, out DateOnly date))
                {
                    throw new AccountsFileException($"{where} ('{r.Name}'): expires must be YYYY-MM-DD or null.");
                }

                expires = date;
            }

            if (r.RatePerSecond is < 0)
            {
                throw new AccountsFileException($"{where} ('{r.Name}'): ratePerSecond must be 0 (unlimited), a positive number, or null.");
            }

            PreviousKey? previous = null;
            if (r.PreviousKeySha256 is not null || r.PreviousKeyUntil is not null)
            {
                if (!KeyDigest.TryParseHex(r.PreviousKeySha256, out KeyDigest previousDigest) || !digests.Add(previousDigest))
                {
                    throw new AccountsFileException($"{where} ('{r.Name}'): previousKeySha256 must be a 64-character hex SHA-256 digest unique among all keys.");
                }

                if (!DateTimeOffset.TryParseExact(r.PreviousKeyUntil, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset until))
                {
                    throw new AccountsFileException($"{where} ('{r.Name}'): previousKeyUntil must be yyyy-MM-ddTHH:mm:ssZ (UTC) when previousKeySha256 is set.");
                }

                previous = new PreviousKey(previousDigest, until);
            }

            accounts.Add(new Account(r.Id, r.Name, digest, state, expires, r.RatePerSecond, previous));
        }

        byte[]? secret = null;
        if (model.DeploymentSecret is { } hex)
        {
            try
            {
                secret = Convert.FromHexString(hex);
            }
            catch (FormatException)
            {
            }

            if (secret is not { Length: 32 })
            {
                throw new AccountsFileException($"{path}: deploymentSecret must be 64 hex digits.");
            }
        }

        return new AccountDirectory(accounts, secret);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
