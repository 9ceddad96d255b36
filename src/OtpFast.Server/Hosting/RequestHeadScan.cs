using System.Buffers;

namespace OtpFast.Server.Hosting;

/// <summary>
/// Tells whether the head of an HTTP/1.x request (request line and headers, up to the empty
/// line after them) has arrived, fed the same growing buffer read after read; each call looks
/// only at what it has not seen, plus the two bytes an end of head may straddle.
/// </summary>
internal struct RequestHeadScan
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';

    // A TLS handshake record: not HTTP/1.x text, so there is no head to find here.
    private const byte TlsHandshake = 0x16;

    private long _scanned;
    private long _start;
    private bool _started;

    /// <summary>True once the head is complete, or once the bytes are plainly not an HTTP/1.x head to wait for.</summary>
    /// <param name="buffer">Everything received so far, from the connection's first byte.</param>
    public bool IsComplete(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!_started)
        {
            // Kestrel skips empty lines before a request; its head starts at the first other byte.
            reader.Advance(_scanned);
            reader.AdvancePastAny(CR, LF);
            if (!reader.TryPeek(out byte first))
            {
                _scanned = buffer.Length;
                return false;
            }

            if (first == TlsHandshake)
            {
                return true;
            }

            _start = reader.Consumed;
            _started = true;
        }
        else
        {
            // The end is LF, then LF or CR LF: a LF up to two bytes back may end the head now.
            reader.Advance(Math.Max(_start, _scanned - 2));
        }

        while (reader.TryAdvanceTo(LF))
        {
            if (reader.IsNext(LF) || reader.IsNext([CR, LF]))
            {
                return true;
            }
        }

        _scanned = buffer.Length;
        return false;
    }
}
