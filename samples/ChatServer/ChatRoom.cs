using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Weir.Diagnostics;
using Weir.Protocols.Framing;

namespace ChatServer;

/// <summary>
/// The room every connection joins: nicknames, and a broadcast that queues each line for every other member
/// and never waits for any of them.
/// </summary>
public sealed class ChatRoom
{
    private const int LongestNickname = 32;

    private readonly ConcurrentDictionary<string, ChatMember> _members = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly DelimitedFrameWriter _lineWriter;
    private long _guests;

    /// <summary>Initializes a new, empty room.</summary>
    /// <param name="options">The limits; the defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for idle timeouts; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public ChatRoom(ChatOptions? options = null, TimeProvider? timeProvider = null)
    {
        Options = options ?? new ChatOptions();
        _time = timeProvider ?? TimeProvider.System;
        LineFraming = new DelimitedFraming("\n"u8) { MaximumFrameSize = Options.MaximumLineLength };

        // Outgoing lines carry a nickname and a prefix on top of what the client sent.
        _lineWriter = new DelimitedFrameWriter(new DelimitedFraming("\n"u8) { MaximumFrameSize = Options.MaximumLineLength + LongestNickname + 64 });
    }

    /// <summary>Gets the room's limits.</summary>
    public ChatOptions Options { get; }

    /// <summary>Gets the nicknames of everyone in the room.</summary>
    public IReadOnlyCollection<string> Nicknames => _members.Values.Select(m => m.Nickname).ToArray();

    internal DelimitedFraming LineFraming { get; }

    internal ChatMember Join(ConnectionContext connection)
    {
        var member = new ChatMember(connection, string.Empty, Options, _lineWriter, _time);

        // A guest name someone has taken with /nick is skipped.
        do
        {
            member.Nickname = $"guest{Interlocked.Increment(ref _guests)}";
        }
        while (!_members.TryAdd(member.Nickname, member));

        member.Send(Line($"* welcome {member.Nickname}; /nick <name> to rename, /who to list, /quit to leave"));
        Broadcast(member, $"* {member.Nickname} joined");
        return member;
    }

    /// <summary>Handles one line from <paramref name="member"/>.</summary>
    /// <returns><see langword="false"/> when the member asked to leave.</returns>
    internal bool Handle(ChatMember member, string line)
    {
        if (line.StartsWith("/nick ", StringComparison.Ordinal))
        {
            Rename(member, line["/nick ".Length..].Trim());
        }
        else if (line == "/who")
        {
            member.Send(Line($"* here: {string.Join(", ", Nicknames.Order(StringComparer.Ordinal))}"));
        }
        else if (line == "/quit")
        {
            member.Close("quit", ConnectionCloseReason.LocalClosed);
            return false;
        }
        else if (line.Length > 0)
        {
            Broadcast(member, $"{member.Nickname}: {line}");
        }

        return true;
    }

    internal void Leave(ChatMember member)
    {
        if (_members.TryRemove(new KeyValuePair<string, ChatMember>(member.Nickname, member)))
        {
            Broadcast(member, $"* {member.Nickname} left ({member.LeaveReason ?? "disconnected"})");
        }
    }

    private void Rename(ChatMember member, string nickname)
    {
        if (nickname.Length is 0 or > LongestNickname || !nickname.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            member.Send(Line($"* a nickname is 1 to {LongestNickname} letters, digits, '_' or '-'"));
            return;
        }

        var old = member.Nickname;
        if (!_members.TryAdd(nickname, member))
        {
            member.Send(Line($"* {nickname} is taken"));
            return;
        }

        member.Nickname = nickname;
        _members.TryRemove(new KeyValuePair<string, ChatMember>(old, member));
        member.Send(Line($"* you are now {nickname}"));
        Broadcast(member, $"* {old} is now {nickname}");
    }

    private void Broadcast(ChatMember from, string text)
    {
        // One copy of the bytes, shared by every recipient's queue.
        var line = Line(text);
        foreach (var member in _members.Values)
        {
            if (!ReferenceEquals(member, from))
            {
                member.Send(line);
            }
        }
    }

    private static ReadOnlyMemory<byte> Line(string text) => Encoding.UTF8.GetBytes(text);
}
