namespace Weir.Protocols;

/// <summary>The outcome of <see cref="ProtocolReader.ReadAsync{TMessage}"/>: a message, or the end of the input.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public readonly struct ProtocolReadResult<TMessage>
{
    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message, or <see langword="default"/> when there is none.</param>
    /// <param name="isCanceled">Whether the read was canceled.</param>
    /// <param name="isCompleted">Whether the input ended.</param>
    public ProtocolReadResult(TMessage message, bool isCanceled, bool isCompleted)
    {
        Message = message;
        IsCanceled = isCanceled;
        IsCompleted = isCompleted;
    }

    /// <summary>Gets the message; meaningful only when <see cref="HasMessage"/> is <see langword="true"/>.</summary>
    /// <remarks>A slice of the input buffer stays valid until <see cref="ProtocolReader.Advance"/>.</remarks>
    public TMessage Message { get; }

    /// <summary>Gets a value indicating whether the read was canceled (<see cref="System.IO.Pipelines.PipeReader.CancelPendingRead"/>) before a whole message arrived.</summary>
    public bool IsCanceled { get; }

    /// <summary>Gets a value indicating whether the input ended cleanly, between messages, and no message came.</summary>
    public bool IsCompleted { get; }

    /// <summary>Gets a value indicating whether <see cref="Message"/> holds a message.</summary>
    public bool HasMessage => !IsCanceled && !IsCompleted;
}
