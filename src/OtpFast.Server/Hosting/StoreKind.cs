namespace OtpFast.Server.Hosting;

/// <summary>Where the server keeps its pairs (setting <c>Store</c>).</summary>
internal enum StoreKind
{
    /// <summary>In this process, with its snapshot and journal in the data directory: one node.</summary>
    Memory,

    /// <summary>In Redis (standalone, Redis Cluster or Garnet), shared by every node pointed at it.</summary>
    Redis,
}
