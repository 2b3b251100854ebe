using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.Protocols;
using Weir.Protocols.Framing;

namespace ChatServer;

/// <summary>
/// Runs one chat client: reads its lines with a <see cref="ProtocolReader"/> and the delimited framer, and
/// hands each to the room. A line over the limit ends the connection with a reason.
/// </summary>
public sealed class ChatConnectionHandler : ConnectionHandler
{
    private readonly ChatRoom _room;
    private readonly DelimitedFrameReader _lineReader;

    /// <summary>Initializes a new instance for <paramref name="room"/>.</summary>
    /// <param name="room">The room every connection joins.</param>
    public ChatConnectionHandler(ChatRoom room)
    {
        ArgumentNullException.ThrowIfNull(room);
        _room = room;
        _lineReader = new DelimitedFrameReader(room.LineFraming);
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var member = _room.Join(connection);
        var reader = connection.CreateReader();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_lineReader, cancellationToken: connection.ConnectionClosed);
                if (!result.HasMessage)
                {
                    // Completed: the client left. Canceled: the member was closed (idle, quit) and is leaving.
                    member.Disconnected("disconnected");
                    break;
                }

                var line = Encoding.UTF8.GetString(result.Message).TrimEnd('\r');
                reader.Advance();
                member.Touch();
                if (!_room.Handle(member, line))
                {
                    break;
                }
            }
        }
        catch (ProtocolException e)
        {
            member.Close($"line longer than {_room.Options.MaximumLineLength} bytes", ConnectionCloseReason.ProtocolError, e);
        }
        catch (Exception e) when (e is OperationCanceledException or ConnectionAbortedException or ConnectionResetException or IOException)
        {
            member.Disconnected("disconnected");
        }
        finally
        {
            _room.Leave(member);
            await member.DisposeAsync();
        }
    }
}
