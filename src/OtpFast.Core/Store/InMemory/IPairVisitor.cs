namespace OtpFast.Core.Store.InMemory;

/// <summary>Receives the store's entries one by one (snapshots), without a copy of the whole store.</summary>
internal interface IPairVisitor
{
    void Visit(in PairEntry entry);
}
