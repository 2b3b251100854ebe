using System.IO.Pipelines;

namespace Weir.Buffers;

/// <summary>
/// A reader and a writer as one <see cref="IDuplexPipe"/>: one end of a connection (the reader of one pipe and
/// the writer of the other), or a transport rebuilt by middleware that wraps one side or both.
/// </summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
