using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Protocols;

namespace LengthPrefixedRpc;

/// <summary>
/// Calls methods over one connection. Calls may overlap: each carries a correlation id, and a read loop hands
/// every answer to the call waiting for it, whatever order they come in.
/// </summary>
public sealed class RpcClient : IAsyncDisposable
{
    private readonly ConnectionContext _connection;
    private readonly ProtocolWriter _writer;
    private readonly RpcRequestCodec _requests = new();
    private readonly RpcResponseCodec _responses = new();
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<byte[]>> _pending = new();
    private readonly Task _reading;
    private uint _lastId;

    /// <summary>Initializes a new client over an open connection, which it then owns.</summary>
    /// <param name="connection">The connection to the server.</param>
    public RpcClient(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _writer = connection.CreateWriter();
        _reading = ReadLoopAsync();
    }

    /// <summary>Connects to <paramref name="endPoint"/> through any <see cref="IConnectionFactory"/>.</summary>
    /// <param name="factory">Makes the connection: sockets, in-memory, or a client with middleware.</param>
    /// <param name="endPoint">The server.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The client.</returns>
    public static async Task<RpcClient> ConnectAsync(IConnectionFactory factory, EndPoint endPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new RpcClient(await factory.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Calls <paramref name="method"/> with <paramref name="body"/>, and waits for its result.</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="body">The argument.</param>
    /// <param name="cancellationToken">Stops waiting; the server may still run the call.</param>
    /// <returns>The result.</returns>
    /// <exception cref="RpcException">The call failed, or the connection ended first.</exception>
    public async Task<byte[]> CallAsync(string method, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        if (_reading.IsCompleted)
        {
            FailPending(new RpcException("The connection is closed."));
        }

        try
        {
            await _writer.WriteAsync(_requests, new RpcRequest(id, method, new ReadOnlySequence<byte>(body)), cancellationToken).ConfigureAwait(false);
            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Calls <paramref name="method"/> with UTF-8 text, and returns its result as text.</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="text">The argument.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The result.</returns>
    public async Task<string> CallAsync(string method, string text, CancellationToken cancellationToken = default) =>
        Encoding.UTF8.GetString(await CallAsync(method, Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        _connection.Transport.Input.CancelPendingRead();
        await _reading.ConfigureAwait(false);
        _writer.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        var reader = _connection.CreateReader();
        Exception ended = new RpcException("The connection closed before the answer came.");
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_responses).ConfigureAwait(false);
                if (!result.HasMessage)
                {
                    break;
                }

                var response = result.Message;
                if (_pending.TryRemove(response.Id, out var answer))
                {
                    if (response.Status == RpcStatus.Ok)
                    {
                        answer.TrySetResult(response.Body.ToArray());
                    }
                    else
                    {
                        answer.TrySetException(new RpcException(Encoding.UTF8.GetString(response.Body)) { Status = response.Status });
                    }
                }

                reader.Advance();
            }
        }
        catch (Exception e) when (e is ProtocolException or ConnectionAbortedException or ConnectionResetException or IOException or InvalidOperationException)
        {
            ended = new RpcException("The connection failed before the answer came.", e);
        }

        FailPending(ended);
    }

    private void FailPending(Exception error)
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var answer))
            {
                answer.TrySetException(error);
            }
        }
    }
}
