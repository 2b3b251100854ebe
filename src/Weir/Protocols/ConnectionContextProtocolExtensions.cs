using Microsoft.AspNetCore.Connections;

namespace Weir.Protocols;

/// <summary>Creates protocol readers and writers over a connection's transport.</summary>
public static class ConnectionContextProtocolExtensions
{
    /// <summary>Creates a <see cref="ProtocolReader"/> over the connection's input.</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>A reader of whole messages.</returns>
    public static ProtocolReader CreateReader(this ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new ProtocolReader(connection.Transport.Input);
    }

    /// <summary>Creates a <see cref="ProtocolWriter"/> over the connection's output.</summary>
    /// <param name="connection">The connection.</param>
    /// <returns>A writer of whole messages, safe to share between the connection's tasks.</returns>
    public static ProtocolWriter CreateWriter(this ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new ProtocolWriter(connection.Transport.Output);
    }
}
