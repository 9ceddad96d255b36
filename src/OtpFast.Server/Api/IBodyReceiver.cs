namespace OtpFast.Server.Api;

/// <summary>What <see cref="BoundedBodyReader"/> hands a request's body to, or tells to answer an error code.</summary>
internal interface IBodyReceiver
{
    /// <summary>Answers the whole body, read into one span.</summary>
    /// <param name="scratch">As long as <paramref name="body"/> at least: room to unescape its strings into.</param>
    /// <returns>Completes when the answer is written: at once, unless it waits for the store.</returns>
    Task Answer(HttpResponse response, ReadOnlySpan<byte> body, Span<byte> scratch);

    /// <summary>Answers an error <paramref name="code"/> (an <see cref="ApiCode"/>) with its message.</summary>
    void Fail(HttpResponse response, int code);
}
