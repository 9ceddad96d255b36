using OtpFast.Core.Store;
using OtpFast.Core.Store.InMemory;

namespace OtpFast.Core.Tests.Store.Contract;

/// <summary>The store contract on the embedded in-memory store.</summary>
public sealed class InMemoryStoreContractTests : OtpStoreContract
{
    protected override Task<IOtpStore> CreateStoreAsync(OtpStoreOptions limits) =>
        Task.FromResult<IOtpStore>(new ShardedOtpStore(limits, Time));

    protected override Task DestroyStoreAsync(IOtpStore store) => Task.CompletedTask;

    // The server's expiry heartbeat does this every 100 ms.
    protected override void CatchUp(IOtpStore store)
    {
        while (!((ShardedOtpStore)store).AdvanceExpiry(int.MaxValue))
        {
        }
    }
}
