using ChatServer;
using Weir.Tests.Protocols.Infrastructure;

namespace Weir.Tests.Protocols.Chat;

/// <summary>One chat client over in-process pipes: the handler runs on the server end, the test holds the client end.</summary>
internal sealed class ChatSession
{
    private ChatSession(ChatConnectionHandler handler)
    {
        Client = new LineClient(Connection.Client);
        Serving = ServeAsync(handler);
    }

    public PipeConnection Connection { get; } = new();

    public LineClient Client { get; }

    /// <summary>Gets the handler's run, which then closes the server's end as a server would.</summary>
    public Task Serving { get; }

    /// <summary>Joins and reads the welcome line, which names the guest.</summary>
    public static async Task<(ChatSession Session, string Nickname)> JoinAsync(ChatConnectionHandler handler)
    {
        var session = new ChatSession(handler);
        var welcome = await session.Client.ReadLineAsync();
        Assert.StartsWith("* welcome guest", welcome, StringComparison.Ordinal);
        return (session, welcome!.Split(' ', ';')[2]);
    }

    private async Task ServeAsync(ChatConnectionHandler handler)
    {
        try
        {
            await handler.OnConnectedAsync(Connection.Server);
        }
        finally
        {
            await Connection.Server.Transport.Output.CompleteAsync();
            await Connection.Server.Transport.Input.CompleteAsync();
        }
    }
}
