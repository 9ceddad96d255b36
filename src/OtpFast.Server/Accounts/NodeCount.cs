namespace OtpFast.Server.Accounts;

/// <summary>
/// How many nodes share the deployment's per-account rates: 1 for the embedded store; with a
/// shared store, the live node leases (<see cref="Hosting.NodeLease"/> keeps it current).
/// </summary>
internal sealed class NodeCount
{
    private int _current = 1;

    public int Current => Volatile.Read(ref _current);

    /// <summary>Sets the count (at least 1: a node always counts itself).</summary>
    public void Set(int nodes) => Volatile.Write(ref _current, Math.Max(1, nodes));
}
