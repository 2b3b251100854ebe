using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Weir.Sockets.Internal;

/// <summary>
/// Accepts through a listener's <see cref="IAcceptOperation"/> with a wait that can be cancelled while the accept
/// itself stays in flight: the connection it brings is handed to the next wait, never lost.
/// </summary>
/// <remarks>
/// The accept and the wait are separate, so cancelling the wait never cancels the accept (which would close
/// nothing but could drop a connection the kernel had already handed over). Nothing is allocated per accept,
/// where <c>AsTask</c> plus <c>WaitAsync</c> cost two objects and a registration each time.
/// </remarks>
internal sealed class CancellableAccept : IValueTaskSource<SocketOperationResult>
{
    private readonly IAcceptOperation _args;
    private readonly object _sync = new();
    private readonly Action _onAccepted;
    private ManualResetValueTaskSourceCore<SocketOperationResult> _wait;
    private CancellationTokenRegistration _registration;
    private bool _inFlight;
    private bool _waiting;
    private SocketOperationResult? _unclaimed;

    public CancellableAccept(IAcceptOperation args)
    {
        _args = args;
        _onAccepted = OnAccepted;
    }

    [SuppressMessage("Reliability", "CA2012", Justification =
        "The accept's awaiter is taken at once and consumed once: its result now, or its continuation later.")]
    public ValueTask<SocketOperationResult> AcceptAsync(Socket listenSocket, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_unclaimed is { } earlier)
            {
                _unclaimed = null;
                return new ValueTask<SocketOperationResult>(earlier);
            }

            if (!_inFlight)
            {
                var accept = _args.AcceptAsync(listenSocket).GetAwaiter();
                if (accept.IsCompleted)
                {
                    return new ValueTask<SocketOperationResult>(accept.GetResult());
                }

                _inFlight = true;
                accept.UnsafeOnCompleted(_onAccepted);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<SocketOperationResult>(cancellationToken);
            }

            _waiting = true;
            _wait.Reset();
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(
                    static (state, token) => ((CancellableAccept)state!).CancelWait(token), this);
            }

            return new ValueTask<SocketOperationResult>(this, _wait.Version);
        }
    }

    SocketOperationResult IValueTaskSource<SocketOperationResult>.GetResult(short token) => _wait.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SocketOperationResult>.GetStatus(short token) => _wait.GetStatus(token);

    void IValueTaskSource<SocketOperationResult>.OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wait.OnCompleted(continuation, state, token, flags);

    private void OnAccepted()
    {
        var result = _args.CurrentResult();
        lock (_sync)
        {
            _inFlight = false;
            if (!_waiting)
            {
                _unclaimed = result;
                return;
            }

            _waiting = false;
            _registration.Unregister();
            _registration = default;
        }

        _wait.SetResult(result);
    }

    private void CancelWait(CancellationToken token)
    {
        lock (_sync)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            _registration = default;
        }

        _wait.SetException(new OperationCanceledException(token));
    }
}
