using System.Buffers;
using System.Text;

namespace LengthPrefixedRpc;

/// <summary>A method a client may call: its argument bytes in, its result bytes out.</summary>
/// <param name="body">The argument, a copy the method may keep.</param>
/// <param name="cancellationToken">Fires when the connection closes.</param>
/// <returns>The result.</returns>
public delegate ValueTask<ReadOnlyMemory<byte>> RpcMethod(ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

/// <summary>The methods the server answers, by name.</summary>
public sealed class RpcMethods
{
    private readonly Dictionary<string, RpcMethod> _methods = new(StringComparer.Ordinal);

    /// <summary>Gets the sample's methods: <c>echo</c>, <c>reverse</c>, <c>upper</c> and <c>delay</c> (milliseconds as ASCII digits).</summary>
    /// <param name="timeProvider">The clock <c>delay</c> waits on.</param>
    /// <returns>The methods.</returns>
    public static RpcMethods CreateSample(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        return new RpcMethods()
            .Add("echo", static (body, _) => ValueTask.FromResult(body))
            .Add("reverse", static (body, _) =>
            {
                var reversed = body.ToArray();
                Array.Reverse(reversed);
                return ValueTask.FromResult<ReadOnlyMemory<byte>>(reversed);
            })
            .Add("upper", static (body, _) => ValueTask.FromResult<ReadOnlyMemory<byte>>(
                Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body.Span).ToUpperInvariant())))
            .Add("delay", async (body, cancellationToken) =>
            {
                var milliseconds = int.Parse(Encoding.ASCII.GetString(body.Span), System.Globalization.CultureInfo.InvariantCulture);
                await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), timeProvider, cancellationToken).ConfigureAwait(false);
                return body;
            });
    }

    /// <summary>Adds or replaces a method.</summary>
    /// <param name="name">The name clients call it by.</param>
    /// <param name="method">The method.</param>
    /// <returns>This instance.</returns>
    public RpcMethods Add(string name, RpcMethod method)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(method);
        _methods[name] = method;
        return this;
    }

    internal bool TryGet(string name, out RpcMethod method) => _methods.TryGetValue(name, out method!);
}
