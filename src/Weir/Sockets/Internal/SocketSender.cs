using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Weir.Sockets.Internal;

/// <summary>
/// One send operation, pooled: buffers are added, then go out in one call; several go out as one gathered
/// write (<c>sendmsg</c> with an iovec per buffer), never one call each.
/// </summary>
internal sealed class SocketSender : SocketAwaitableEventArgs, ISocketSend
{
    private readonly List<ArraySegment<byte>> _segments = [];
    private ReadOnlyMemory<byte> _first;
    private int _count;

    public SocketSender(PipeScheduler scheduler)
        : base(scheduler)
    {
    }

    /// <summary>How many buffers the next send holds (not the base class's byte count).</summary>
    public int BufferCount => _count;

    /// <summary>Adds a buffer to the next send. More than one must be array-backed, as pool blocks are.</summary>
    public void Add(ReadOnlyMemory<byte> buffer)
    {
        if (_count == 1)
        {
            _segments.Add(GetArray(_first));
        }

        if (_count == 0)
        {
            _first = buffer;
        }
        else
        {
            _segments.Add(GetArray(buffer));
        }

        _count++;
    }

    public ValueTask<SocketOperationResult> SendAsync(Socket socket)
    {
        if (_count == 1)
        {
            SetBuffer(MemoryMarshal.AsMemory(_first));
        }
        else
        {
            BufferList = _segments;
        }

        Prepare();
        return Await(socket.SendAsync(this));
    }

    public void Reset()
    {
        if (BufferList is not null)
        {
            BufferList = null;
        }
        else
        {
            SetBuffer(null, 0, 0);
        }

        _segments.Clear();
        _first = default;
        _count = 0;
    }

    private static ArraySegment<byte> GetArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment)
            ? segment
            : throw new InvalidOperationException("A gathered send needs array-backed memory.");
}
