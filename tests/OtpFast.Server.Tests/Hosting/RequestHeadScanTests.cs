using System.Buffers;
using System.Text;
using OtpFast.Server.Hosting;

namespace OtpFast.Server.Tests.Hosting;

public sealed class RequestHeadScanTests
{
    [Theory]
    [InlineData("POST /v4/requestOneTimeCode HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("GET /healthz HTTP/1.1\r\n\r\n")]
    [InlineData("GET /healthz HTTP/1.1\nHost: a\n\n")]
    [InlineData("GET /healthz HTTP/1.1\nHost: a\n\r\n")]
    [InlineData("\r\n\r\n\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")]
    public void TheHeadIsCompleteExactlyAtItsLastByteHoweverItArrives(string head)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(head + "{}");
        int end = Encoding.ASCII.GetByteCount(head);

        // Every split into two reads, and one byte per read.
        for (int split = 1; split < bytes.Length; split++)
        {
            Assert.Equal(split >= end ? split : bytes.Length, FirstCompleteAt(bytes, [split, bytes.Length]));
        }

        Assert.Equal(end, FirstCompleteAt(bytes, Enumerable.Range(1, bytes.Length).ToArray()));
    }

    [Fact]
    public void EmptyLinesAloneAreNoHead()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("\r\n\r\n\n\n\r\n");
        Assert.Equal(-1, FirstCompleteAt(bytes, Enumerable.Range(1, bytes.Length).ToArray()));
    }

    [Fact]
    public void ATlsHandshakeIsLeftToKestrelAtItsFirstByte()
    {
        byte[] bytes = [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01];
        Assert.Equal(1, FirstCompleteAt(bytes, Enumerable.Range(1, bytes.Length).ToArray()));
    }

    /// <summary>Feeds the growing buffer (one segment per read) and returns how many bytes had come when the scan first said complete; -1 if never.</summary>
    private static int FirstCompleteAt(byte[] bytes, int[] readEnds)
    {
        var scan = default(RequestHeadScan);
        for (int i = 0; i < readEnds.Length; i++)
        {
            if (scan.IsComplete(Segments(bytes, readEnds[..(i + 1)])))
            {
                return readEnds[i];
            }
        }

        return -1;
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int[] ends)
    {
        var first = new Segment(bytes.AsMemory(0, ends[0]), 0);
        Segment last = first;
        for (int i = 1; i < ends.Length; i++)
        {
            last = last.Append(bytes.AsMemory(ends[i - 1], ends[i] - ends[i - 1]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
