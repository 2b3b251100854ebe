using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.Protocols;

namespace LengthPrefixedRpc;

/// <summary>
/// Serves calls on one connection. Calls run concurrently (up to a bound per connection) and answer in the
/// order they finish; the correlation id tells the client which is which. A malformed frame closes the
/// connection.
/// </summary>
public sealed class RpcServerHandler : ConnectionHandler
{
    private readonly RpcMethods _methods;
    private readonly int _maximumConcurrentCalls;
    private readonly RpcRequestCodec _requests = new();
    private readonly RpcResponseCodec _responses = new();

    /// <summary>Initializes a new instance.</summary>
    /// <param name="methods">The methods clients may call.</param>
    /// <param name="maximumConcurrentCalls">How many calls of one connection may run at once; reading waits above it.</param>
    public RpcServerHandler(RpcMethods methods, int maximumConcurrentCalls = 64)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumConcurrentCalls);
        _methods = methods;
        _maximumConcurrentCalls = maximumConcurrentCalls;
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var reader = connection.CreateReader();
        using var writer = connection.CreateWriter();
        using var slots = new SemaphoreSlim(_maximumConcurrentCalls);
        var closed = connection.ConnectionClosed;
        var running = new List<Task>();
        try
        {
            while (true)
            {
                await slots.WaitAsync(closed);
                var result = await reader.ReadAsync(_requests, cancellationToken: closed);
                if (!result.HasMessage)
                {
                    break;
                }

                // The body is a slice of the input buffer: the call gets its own copy before the reader moves on.
                var request = result.Message;
                var body = request.Body.ToArray();
                reader.Advance();
                running.RemoveAll(t => t.IsCompleted);
                running.Add(CallAsync(request.Id, request.Method, body, writer, slots, closed));
            }
        }
        catch (ProtocolException e)
        {
            connection.Features.Get<IConnectionCloseReasonFeature>()?.TrySetReason(ConnectionCloseReason.ProtocolError, e);
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }

    private async Task CallAsync(uint id, string method, byte[] body, ProtocolWriter writer, SemaphoreSlim slots, CancellationToken closed)
    {
        try
        {
            RpcResponse response;
            if (!_methods.TryGet(method, out var call))
            {
                response = new RpcResponse(id, RpcStatus.UnknownMethod, Text($"no method named '{method}'"));
            }
            else
            {
                try
                {
                    response = new RpcResponse(id, RpcStatus.Ok, new ReadOnlySequence<byte>(await call(body, closed)));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    response = new RpcResponse(id, RpcStatus.Error, Text(e.Message));
                }
            }

            await writer.WriteAsync(_responses, response, closed);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionAbortedException or InvalidOperationException)
        {
            // The connection went away while the call ran; nobody is left to answer.
        }
        finally
        {
            slots.Release();
        }
    }

    private static ReadOnlySequence<byte> Text(string text) => new(Encoding.UTF8.GetBytes(text));
}
