using System.IO.Pipelines;

namespace Weir.Middleware;

/// <summary>A transport rebuilt from a reader and a writer, for middleware that wraps one side or both.</summary>
internal sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
