using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Weir.Sockets.Internal;

/// <summary>
/// Sends a sequence of pipe memory: one buffer when it is one segment, else one <c>BufferList</c> call
/// (a single gathering <c>sendmsg</c>) for all of its segments.
/// </summary>
internal sealed class SocketSender : SocketAwaitableEventArgs
{
    private readonly List<ArraySegment<byte>> _segments = [];

    public SocketSender(PipeScheduler scheduler)
        : base(scheduler)
    {
    }

    public ValueTask<SocketOperationResult> SendAsync(Socket socket, in ReadOnlySequence<byte> buffers)
    {
        if (buffers.IsSingleSegment)
        {
            SetBuffer(MemoryMarshal.AsMemory(buffers.First));
        }
        else
        {
            _segments.Clear();
            foreach (var segment in buffers)
            {
                _segments.Add(GetArray(segment));
            }

            BufferList = _segments;
        }

        Prepare();
        return Await(socket.SendAsync(this));
    }

    /// <summary>Drops the references to the sent memory, so a pooled sender keeps no block alive.</summary>
    public void Reset()
    {
        if (BufferList is not null)
        {
            BufferList = null;
            _segments.Clear();
        }
        else
        {
            SetBuffer(null, 0, 0);
        }
    }

    private static ArraySegment<byte> GetArray(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment)
            ? segment
            : throw new InvalidOperationException("A multi-segment send needs array-backed memory.");
}
