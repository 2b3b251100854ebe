/*
 * weirload: the native load client of bench/Weir.LoadTest.
 *
 * One thread, one epoll set, nonblocking TCP_NODELAY sockets, edge-triggered throughout (so no epoll_ctl
 * calls after a socket is added). It runs the same scenarios as the managed client (the Scenarios folder) and
 * checks every echoed byte against what it sent. Written in C so that, pinned to one core against a server
 * pinned to the other, the client is never the limit being measured.
 *
 *   weirload pingpong --port P --connections N --size S --depth D --warmup SEC --duration SEC
 *   weirload stream   --port P --connections N --size S --warmup SEC --duration SEC
 *   weirload connrate --port P --concurrency C --size S --warmup SEC --duration SEC
 *   weirload idle     --port P --connections N
 *
 * Standard output, one line each, flushed as it happens (the harness reads the server's counters at the
 * window's edges):
 *   measuring                       the measured window starts
 *   done                            the measured window ends; in-flight work now drains and is checked
 *   progress TEXT                   (idle) how far the connecting has got
 *   ready open=N errors=E mismatches=M   (idle) the connections are open; held until stdin has a line or ends
 *   result scenario=NAME ops=N bytes=N seconds=F p50_us=F p99_us=F errors=N mismatches=N
 *          cpu_user_s=F cpu_sys_s=F      the last line; counts are of the measured window, errors and
 *                                        mismatches of the whole run; p50/p99 are nan without samples
 * Exit 0 after the result line; 2 on bad arguments; 3 when the server cannot be reached at all.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVENT_BATCH 256
#define RECEIVE_BUFFER (256 * 1024)
#define DRAIN_TIMEOUT_NS (30LL * 1000000000LL)
#define STALL_TIMEOUT_NS (60LL * 1000000000LL)
#define IDLE_CONNECT_CONCURRENCY 64
#define IDLE_PROBE 0x5a
/* An odd period, so a chunk that came back shifted or repeated does not line up with the pattern. */
#define PATTERN_PERIOD 65521
/* Same buckets as LatencyHistogram.cs: ln(µs + 1) * 50, about 2% apart. */
#define BUCKETS_PER_E 50.0
#define BUCKET_COUNT 1000

enum scenario { PINGPONG, STREAM, CONNRATE, IDLE };
enum phase { WARMUP, MEASURING, STOPPING };
enum state { FREE, CONNECTING, SENDING, RECEIVING, HELD, CLOSED };

struct options {
    enum scenario scenario;
    const char *name;
    struct sockaddr_storage address;
    socklen_t address_length;
    long connections;
    long size;
    long depth;
    long concurrency;
    long window;
    double warmup;
    double duration;
};

/* One connection (pingpong, stream, idle) or one connect loop (connrate); the epoll data is its index. */
struct conn {
    int fd;
    enum state state;
    uint8_t *message; /* pingpong: the batch in flight; connrate: the message */
    size_t length;    /* bytes in message */
    size_t sent;
    size_t received;
    uint64_t sequence;
    int64_t started_ns;
    uint64_t written; /* stream */
    uint64_t echoed;
    int shut;
};

static struct options opt = {
    .connections = 64, .size = 64, .depth = 1, .concurrency = 32, .window = 1024 * 1024, .warmup = 2, .duration = 5,
};
static struct conn *conns;
static long conn_count;
static long active;
static int epfd;
static uint8_t receive_buffer[RECEIVE_BUFFER];
static uint8_t *pattern;

static enum phase phase = WARMUP;
static int64_t measure_at_ns, stop_at_ns, measured_from_ns, measured_to_ns;
static struct rusage usage_from, usage_to;
static uint64_t ops, bytes, errors, mismatches;
static uint64_t histogram[BUCKET_COUNT];
static uint64_t samples;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

__attribute__((format(printf, 1, 2))) static void emit(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
    fflush(stdout);
}

__attribute__((format(printf, 1, 2), noreturn)) static void fail_usage(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("weirload: ", stderr);
    vfprintf(stderr, format, args);
    va_end(args);
    fputs(" (try --help)\n", stderr);
    exit(2);
}

/* xorshift64: a deterministic byte source per connection, standing in for the managed client's Random(seed). */
static void fill_random(uint8_t *buffer, size_t length, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    for (size_t i = 0; i < length; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buffer[i] = (uint8_t)(x >> 32);
    }
}

static void record_latency(int64_t latency_ns, uint64_t count)
{
    double micros = latency_ns > 0 ? latency_ns / 1000.0 : 0;
    int bucket = (int)(log(micros + 1) * BUCKETS_PER_E);
    histogram[bucket < BUCKET_COUNT ? bucket : BUCKET_COUNT - 1] += count;
    samples += count;
}

/* The upper edge of the bucket holding the quantile, as LatencyHistogram.Percentile reads it. */
static double percentile(double quantile)
{
    if (samples == 0) {
        return NAN;
    }

    uint64_t rank = (uint64_t)ceil(quantile * (double)samples);
    uint64_t seen = 0;
    for (int i = 0; i < BUCKET_COUNT; i++) {
        seen += histogram[i];
        if (seen >= rank) {
            return exp((i + 1) / BUCKETS_PER_E) - 1;
        }
    }

    return exp(BUCKET_COUNT / BUCKETS_PER_E) - 1;
}

static void print_result(double seconds, double user_s, double sys_s)
{
    emit("result scenario=%s ops=%llu bytes=%llu seconds=%.6f p50_us=%.3f p99_us=%.3f errors=%llu mismatches=%llu "
         "cpu_user_s=%.6f cpu_sys_s=%.6f",
         opt.name, (unsigned long long)ops, (unsigned long long)bytes, seconds, percentile(0.50), percentile(0.99),
         (unsigned long long)errors, (unsigned long long)mismatches, user_s, sys_s);
}

static double timeval_seconds(struct timeval t)
{
    return t.tv_sec + t.tv_usec / 1e6;
}

static int measuring(void)
{
    return phase == MEASURING;
}

/* Moves the window along the clock; returns the phase now in force. */
static enum phase advance_phase(int64_t now)
{
    if (phase == WARMUP && now >= measure_at_ns) {
        getrusage(RUSAGE_SELF, &usage_from);
        measured_from_ns = now_ns();
        phase = MEASURING;
        emit("measuring");
    }

    if (phase == MEASURING && now >= stop_at_ns) {
        measured_to_ns = now_ns();
        getrusage(RUSAGE_SELF, &usage_to);
        phase = STOPPING;
        emit("done");
    }

    return phase;
}

/* Ends the window early when every connection has died, so the output is always measuring, done, result. */
static void finish_window(void)
{
    int64_t now = now_ns();
    if (phase == WARMUP) {
        measure_at_ns = now;
    }

    if (phase != STOPPING) {
        stop_at_ns = now;
        advance_phase(now);
    }
}

static void print_window_result(void)
{
    print_result((measured_to_ns - measured_from_ns) / 1e9,
                 timeval_seconds(usage_to.ru_utime) - timeval_seconds(usage_from.ru_utime),
                 timeval_seconds(usage_to.ru_stime) - timeval_seconds(usage_from.ru_stime));
}

static int timeout_ms(int64_t now)
{
    int64_t next = phase == WARMUP ? measure_at_ns : phase == MEASURING ? stop_at_ns : stop_at_ns + DRAIN_TIMEOUT_NS;
    int64_t wait = next - now;
    return wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
}

static int new_socket(void)
{
    int fd = socket(opt.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }

    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void watch(long index)
{
    struct epoll_event event = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = (uint64_t)index };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, conns[index].fd, &event) != 0) {
        perror("weirload: epoll_ctl");
        exit(1);
    }
}

/* A blocking connect, then nonblocking from here on: the setup of the long-lived scenarios. */
static int connect_blocking(void)
{
    int fd = new_socket();
    if (fd < 0) {
        return -1;
    }

    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&opt.address, opt.address_length) != 0) {
        int error = errno;
        close(fd);
        errno = error;
        return -1;
    }

    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    return fd;
}

static void die_unreachable(void)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (opt.address.ss_family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)&opt.address;
        inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
        port = ntohs(v4->sin_port);
    } else {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&opt.address;
        inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
        port = ntohs(v6->sin6_port);
    }

    fprintf(stderr, "weirload: cannot connect to %s port %d: %s\n", host, port, strerror(errno));
    exit(3);
}

/*
 * Edge-triggered reads stop at a short read: the socket is drained, and new data brings a new edge. Not so
 * for the peer's FIN when it came with the last data: that edge is spent, so read on to the end.
 */
static int peer_closed(uint32_t events)
{
    return (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
}

static void close_conn(struct conn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }

    if (c->state != CLOSED) {
        c->state = CLOSED;
        active--;
    }
}

static void fail_conn(struct conn *c, int mismatch)
{
    if (mismatch) {
        mismatches++;
    } else {
        errors++;
    }

    close_conn(c);
}

/* Sends what is left of c->message; 1 when all of it is out, 0 when the socket is full, -1 on an error. */
static int send_rest(struct conn *c)
{
    while (c->sent < c->length) {
        ssize_t n = send(c->fd, c->message + c->sent, c->length - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            return 0;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return -1;
        }
    }

    return 1;
}

/* Runs the epoll loop until no connection is left, calling on_stop once when the window ends. */
static void run_loop(void (*on_event)(struct conn *, uint32_t), void (*on_stop)(void))
{
    struct epoll_event events[EVENT_BATCH];
    int64_t now = now_ns();
    while (active > 0) {
        int n = epoll_wait(epfd, events, EVENT_BATCH, timeout_ms(now));
        if (n < 0 && errno != EINTR) {
            perror("weirload: epoll_wait");
            exit(1);
        }

        now = now_ns();
        enum phase before = phase;
        if (advance_phase(now) == STOPPING && before != STOPPING) {
            on_stop();
        }

        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[events[i].data.u64];
            if (c->state != CLOSED) {
                on_event(c, events[i].events);
            }
        }

        if (phase == STOPPING && now >= stop_at_ns + DRAIN_TIMEOUT_NS) {
            fprintf(stderr, "weirload: %ld connection(s) still busy %lld s after the window ended\n", active,
                    DRAIN_TIMEOUT_NS / 1000000000LL);
            for (long k = 0; k < conn_count; k++) {
                if (conns[k].state != CLOSED) {
                    fail_conn(&conns[k], 0);
                }
            }
        }
    }

    if (phase != STOPPING) {
        fprintf(stderr, "weirload: every connection ended before the window did\n");
        finish_window();
    }
}

static void start_window(void)
{
    int64_t now = now_ns();
    measure_at_ns = now + (int64_t)(opt.warmup * 1e9);
    stop_at_ns = measure_at_ns + (int64_t)(opt.duration * 1e9);
    advance_phase(now);
}

static void connect_all(void)
{
    conn_count = opt.connections;
    conns = calloc((size_t)conn_count, sizeof *conns);
    for (long i = 0; i < conn_count; i++) {
        conns[i].fd = connect_blocking();
        if (conns[i].fd < 0) {
            die_unreachable();
        }

        conns[i].state = RECEIVING;
        watch(i);
    }

    active = conn_count;
}

/* ---- pingpong: depth messages of size bytes in one write, all echoed, checked, again ---- */

static void pingpong_send_batch(struct conn *c, int64_t now)
{
    /* A fresh stamp in every message, so a stale or repeated echo cannot pass for a right one. */
    size_t size = (size_t)opt.size;
    size_t stamp_length = size < 8 ? size : 8;
    for (long m = 0; m < opt.depth; m++) {
        uint64_t stamp = c->sequence * (uint64_t)opt.depth + (uint64_t)m;
        memcpy(c->message + (size_t)m * size + (size - stamp_length) / 2, &stamp, stamp_length);
    }

    c->sequence++;
    c->sent = 0;
    c->received = 0;
    c->started_ns = now;
    c->state = SENDING;
    int sent = send_rest(c);
    if (sent < 0) {
        fail_conn(c, 0);
    } else if (sent > 0) {
        c->state = RECEIVING;
    }
}

static void pingpong_receive(struct conn *c, uint32_t events)
{
    size_t size = (size_t)opt.size;
    while (c->received < c->sent) {
        size_t want = c->sent - c->received;
        ssize_t n = recv(c->fd, receive_buffer, want < RECEIVE_BUFFER ? want : RECEIVE_BUFFER, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0 && errno == EAGAIN) {
            return;
        }

        if (n <= 0) {
            fail_conn(c, 0);
            return;
        }

        if (memcmp(receive_buffer, c->message + c->received, (size_t)n) != 0) {
            fail_conn(c, 1);
            return;
        }

        uint64_t completed = (c->received + (size_t)n) / size - c->received / size;
        c->received += (size_t)n;
        if (completed > 0 && measuring()) {
            int64_t now = now_ns();
            ops += completed;
            bytes += completed * size;
            record_latency(now - c->started_ns, completed);
        }

        if (c->received == c->length) {
            if (phase == STOPPING) {
                close_conn(c);
            } else {
                pingpong_send_batch(c, now_ns());
            }

            return;
        }

        if ((size_t)n < want && !peer_closed(events)) {
            return;
        }
    }
}

static void pingpong_event(struct conn *c, uint32_t events)
{
    if (c->state == SENDING && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int sent = send_rest(c);
        if (sent < 0) {
            fail_conn(c, 0);
            return;
        }
    }

    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
        pingpong_receive(c, events);
    }

    if (c->state == SENDING && c->sent == c->length) {
        c->state = RECEIVING;
    }
}

static void no_stop(void)
{
}

static void run_pingpong(void)
{
    connect_all();
    size_t length = (size_t)opt.size * (size_t)opt.depth;
    for (long i = 0; i < conn_count; i++) {
        conns[i].message = malloc(length);
        conns[i].length = length;
        fill_random(conns[i].message, length, (uint64_t)i);
    }

    start_window();
    for (long i = 0; i < conn_count; i++) {
        pingpong_send_batch(&conns[i], now_ns());
    }

    run_loop(pingpong_event, no_stop);
    print_window_result();
}

/* ---- stream: size-byte writes of a repeating pattern, at most window bytes unechoed, echo checked ---- */

static void stream_write(struct conn *c)
{
    while (phase != STOPPING && c->written - c->echoed < (uint64_t)opt.window) {
        size_t in_chunk = (size_t)opt.size - (size_t)(c->written % (uint64_t)opt.size);
        size_t room = (size_t)((uint64_t)opt.window - (c->written - c->echoed));
        size_t length = in_chunk < room ? in_chunk : room;
        ssize_t n = send(c->fd, pattern + c->written % PATTERN_PERIOD, length, MSG_NOSIGNAL);
        if (n > 0) {
            c->written += (uint64_t)n;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            fail_conn(c, 0);
            return;
        }
    }

    if (phase == STOPPING && !c->shut) {
        shutdown(c->fd, SHUT_WR);
        c->shut = 1;
    }
}

static void stream_receive(struct conn *c, uint32_t events)
{
    uint64_t chunk = (uint64_t)opt.size;
    while (1) {
        ssize_t n = recv(c->fd, receive_buffer, RECEIVE_BUFFER, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0 && errno == EAGAIN) {
            return;
        }

        if (n == 0 && c->shut && c->echoed == c->written) {
            close_conn(c); /* the whole stream came back */
            return;
        }

        if (n <= 0) {
            fail_conn(c, 0);
            return;
        }

        if (c->echoed + (uint64_t)n > c->written ||
            memcmp(receive_buffer, pattern + c->echoed % PATTERN_PERIOD, (size_t)n) != 0) {
            fail_conn(c, 1);
            return;
        }

        /* Operations count whole chunks echoed, so CPU per operation reads as CPU per chunk. */
        if (measuring()) {
            ops += (c->echoed + (uint64_t)n) / chunk - c->echoed / chunk;
            bytes += (uint64_t)n;
        }

        c->echoed += (uint64_t)n;
        if (n < RECEIVE_BUFFER && !peer_closed(events)) {
            return;
        }
    }
}

static void stream_event(struct conn *c, uint32_t events)
{
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) {
        stream_receive(c, events);
    }

    /* Reading frees window room, so write after every event, not only on EPOLLOUT. */
    if (c->state != CLOSED) {
        stream_write(c);
    }
}

static void stream_stop(void)
{
    for (long i = 0; i < conn_count; i++) {
        if (conns[i].state != CLOSED) {
            stream_write(&conns[i]);
        }
    }
}

static void run_stream(void)
{
    connect_all();
    size_t span = (size_t)(opt.size > RECEIVE_BUFFER ? opt.size : RECEIVE_BUFFER);
    /* A period and the longest slice back to back, so any slice of the stream is contiguous here. */
    pattern = malloc(PATTERN_PERIOD + span);
    fill_random(pattern, PATTERN_PERIOD, 42);
    for (size_t i = PATTERN_PERIOD; i < PATTERN_PERIOD + span; i++) {
        pattern[i] = pattern[i - PATTERN_PERIOD];
    }

    start_window();
    for (long i = 0; i < conn_count; i++) {
        stream_write(&conns[i]);
    }

    run_loop(stream_event, stream_stop);
    print_window_result();
}

/* ---- connrate and idle: nonblocking connects ---- */

static uint32_t source_rotation;

/*
 * Spreads connections over the source addresses 127.0.0.1-16 when the server is on IPv4 loopback: one source
 * address has 28k ports, and at more than 28k connections a second the ports still in TIME_WAIT (kept for a
 * second on loopback) run out; connect would fail with EADDRNOTAVAIL and measure the port range.
 */
static void bind_source(int fd)
{
    if (opt.address.ss_family != AF_INET) {
        return;
    }

    struct sockaddr_in *target = (struct sockaddr_in *)&opt.address;
    if ((ntohl(target->sin_addr.s_addr) >> 24) != 127) {
        return;
    }

    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in source = { .sin_family = AF_INET };
    source.sin_addr.s_addr = htonl(0x7f000001u + source_rotation++ % 16);
    bind(fd, (struct sockaddr *)&source, sizeof source);
}

/* Starts a nonblocking connect for slot c; 0 when under way, -1 (counted as an error) when it failed at once. */
static int begin_connect(struct conn *c, long index)
{
    c->started_ns = now_ns();
    c->sent = 0;
    c->received = 0;
    c->fd = new_socket();
    if (c->fd < 0) {
        errors++;
        return -1;
    }

    bind_source(c->fd);
    if (connect(c->fd, (struct sockaddr *)&opt.address, opt.address_length) != 0 && errno != EINPROGRESS) {
        errors++;
        close(c->fd);
        c->fd = -1;
        return -1;
    }

    c->state = CONNECTING;
    watch(index);
    return 0;
}

/*
 * Moves one exchange along (connect, send c->message, receive its echo and check it): 1 when the echo is
 * complete and right, 0 while waiting, -1 on an error, -2 on a mismatch.
 */
static int exchange(struct conn *c, uint32_t events)
{
    if (c->state == CONNECTING) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            return 0;
        }

        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
            return -1;
        }

        c->state = SENDING;
    }

    if (c->state == SENDING) {
        int sent = send_rest(c);
        if (sent <= 0) {
            return sent;
        }

        c->state = RECEIVING;
        if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))) {
            return 0; /* the echo cannot be there yet; its edge will come */
        }
    }

    while (c->received < c->length) {
        size_t want = c->length - c->received;
        ssize_t n = recv(c->fd, receive_buffer, want, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0 && errno == EAGAIN) {
            return 0;
        }

        if (n <= 0) {
            return -1;
        }

        if (memcmp(receive_buffer, c->message + c->received, (size_t)n) != 0) {
            return -2;
        }

        c->received += (size_t)n;
        if ((size_t)n < want && c->received < c->length && !peer_closed(events)) {
            return 0;
        }
    }

    return 1;
}

static long *retry_slots;
static long retry_count;

static void connrate_start(long index)
{
    struct conn *c = &conns[index];
    if (phase == STOPPING) {
        c->state = CLOSED;
        active--;
    } else if (begin_connect(c, index) != 0) {
        /* Retried on the next turn of the loop, so a connect that fails at once cannot spin. */
        c->state = FREE;
        retry_slots[retry_count++] = index;
    }
}

static void connrate_event(struct conn *c, uint32_t events)
{
    int outcome = exchange(c, events);
    if (outcome == 0) {
        return;
    }

    long index = c - conns;
    if (outcome == -2) {
        fail_conn(c, 1);
        return;
    }

    if (outcome == 1 && measuring()) {
        ops++;
        bytes += c->length;
        record_latency(now_ns() - c->started_ns, 1);
    } else if (outcome == -1) {
        errors++;
    }

    close(c->fd);
    c->fd = -1;
    connrate_start(index);
}

static void run_connrate(void)
{
    int fd = connect_blocking();
    if (fd < 0) {
        die_unreachable();
    }

    close(fd);
    conn_count = opt.concurrency;
    conns = calloc((size_t)conn_count, sizeof *conns);
    retry_slots = calloc((size_t)conn_count, sizeof *retry_slots);
    for (long i = 0; i < conn_count; i++) {
        conns[i].fd = -1;
        conns[i].length = (size_t)opt.size;
        conns[i].message = malloc((size_t)opt.size);
        fill_random(conns[i].message, (size_t)opt.size, (uint64_t)i);
    }

    active = conn_count;
    start_window();
    for (long i = 0; i < conn_count; i++) {
        connrate_start(i);
    }

    struct epoll_event events[EVENT_BATCH];
    int64_t now = now_ns();
    while (active > 0) {
        int timeout = retry_count > 0 ? 1 : timeout_ms(now);
        int n = epoll_wait(epfd, events, EVENT_BATCH, timeout);
        if (n < 0 && errno != EINTR) {
            perror("weirload: epoll_wait");
            exit(1);
        }

        now = now_ns();
        advance_phase(now);
        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[events[i].data.u64];
            if (c->state != CLOSED && c->state != FREE) {
                connrate_event(c, events[i].events);
            }
        }

        long retrying = retry_count;
        retry_count = 0;
        for (long i = 0; i < retrying; i++) {
            connrate_start(retry_slots[i]);
        }

        if (phase == STOPPING && now >= stop_at_ns + DRAIN_TIMEOUT_NS) {
            fprintf(stderr, "weirload: %ld connect loop(s) still busy after the window ended\n", active);
            for (long k = 0; k < conn_count; k++) {
                if (conns[k].state != CLOSED) {
                    fail_conn(&conns[k], 0);
                }
            }
        }
    }

    if (phase != STOPPING) {
        finish_window();
    }

    print_window_result();
}

/* ---- idle: open N connections, one probe byte each, hold them until told ---- */

static void run_idle(void)
{
    int probe = connect_blocking();
    if (probe < 0) {
        die_unreachable();
    }

    close(probe);
    static uint8_t probe_byte = IDLE_PROBE;
    conn_count = opt.connections;
    conns = calloc((size_t)conn_count, sizeof *conns);
    for (long i = 0; i < conn_count; i++) {
        conns[i].fd = -1;
        conns[i].message = &probe_byte;
        conns[i].length = 1;
    }

    struct rusage from, to;
    getrusage(RUSAGE_SELF, &from);
    int64_t started = now_ns();
    int64_t last_progress = started;
    long next = 0, in_flight = 0, open = 0, settled = 0;
    struct epoll_event events[EVENT_BATCH];
    while (settled < conn_count) {
        while (in_flight < IDLE_CONNECT_CONCURRENCY && next < conn_count) {
            long index = next++;
            if (begin_connect(&conns[index], index) == 0) {
                in_flight++;
            } else {
                conns[index].state = CLOSED;
                settled++;
            }
        }

        int n = epoll_wait(epfd, events, EVENT_BATCH, 1000);
        if (n < 0 && errno != EINTR) {
            perror("weirload: epoll_wait");
            exit(1);
        }

        int64_t now = now_ns();
        if (n > 0) {
            last_progress = now;
        } else if (now - last_progress > STALL_TIMEOUT_NS) {
            fprintf(stderr, "weirload: %ld connection(s) made no progress for %lld s\n", in_flight,
                    STALL_TIMEOUT_NS / 1000000000LL);
            for (long k = 0; k < next; k++) {
                if (conns[k].state == CONNECTING || conns[k].state == SENDING || conns[k].state == RECEIVING) {
                    close(conns[k].fd);
                    conns[k].state = CLOSED;
                    errors++;
                    settled++;
                }
            }

            break;
        }

        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[events[i].data.u64];
            if (c->state == HELD || c->state == CLOSED) {
                continue;
            }

            int outcome = exchange(c, events[i].events);
            if (outcome == 0) {
                continue;
            }

            in_flight--;
            settled++;
            if (outcome == 1) {
                c->state = HELD;
                if (++open % 500 == 0) {
                    emit("progress %ld/%ld connections open", open, conn_count);
                }
            } else {
                if (outcome == -2) {
                    mismatches++;
                } else {
                    errors++;
                }

                close(c->fd);
                c->state = CLOSED;
            }
        }
    }

    getrusage(RUSAGE_SELF, &to);
    double seconds = (now_ns() - started) / 1e9;
    emit("ready open=%ld errors=%llu mismatches=%llu", open, (unsigned long long)errors,
         (unsigned long long)mismatches);

    /* Held until the harness has read the server's memory: a line on stdin, or its end. */
    char line[256];
    while (1) {
        ssize_t n = read(STDIN_FILENO, line, sizeof line);
        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0 || memchr(line, '\n', (size_t)n) != NULL) {
            break;
        }
    }

    for (long i = 0; i < conn_count; i++) {
        if (conns[i].state == HELD) {
            close(conns[i].fd);
        }
    }

    ops = (uint64_t)open;
    bytes = (uint64_t)open;
    print_result(seconds, timeval_seconds(to.ru_utime) - timeval_seconds(from.ru_utime),
                 timeval_seconds(to.ru_stime) - timeval_seconds(from.ru_stime));
}

/* ---- arguments ---- */

static const char usage[] =
    "weirload: the native load client of bench/Weir.LoadTest (an echo server on the other end)\n"
    "\n"
    "usage: weirload SCENARIO [options]\n"
    "\n"
    "  pingpong   --connections N --size S --depth D: D messages of S bytes in one write per connection,\n"
    "             all echoed and checked, then the next D (depth 1 is request/response)\n"
    "  stream     --connections N --size S: S-byte writes of a pattern, at most --window bytes unechoed\n"
    "  connrate   --concurrency C --size S: connect, S bytes each way, close; C at a time\n"
    "  idle       --connections N: open N connections, one byte each way, print ready, hold them until\n"
    "             standard input has a line or ends\n"
    "\n"
    "  --host ADDRESS     IPv4 or IPv6 address of the server (default 127.0.0.1)\n"
    "  --port N           the server's port (required)\n"
    "  --connections N    default 64\n"
    "  --size BYTES       message or write size (default 64)\n"
    "  --depth D          messages in flight per connection (default 1)\n"
    "  --concurrency C    connections in flight at once (default 32)\n"
    "  --window BYTES     stream: most bytes written and not yet echoed, per connection (default 1048576)\n"
    "  --warmup SECONDS   unmeasured load first (default 2)\n"
    "  --duration SECONDS the measured window (default 5)\n"
    "\n"
    "Prints 'measuring' and 'done' at the window's edges, then one 'result key=value ...' line.\n"
    "Exit 0 after the result; 2 on bad arguments; 3 when the server cannot be reached.\n";

static long parse_long(const char *text, const char *name, long min, long max)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *text == '\0' || *end != '\0' || value < min || value > max) {
        fail_usage("%s takes a whole number from %ld to %ld, not '%s'", name, min, max, text);
    }

    return value;
}

static double parse_seconds(const char *text, const char *name)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || *text == '\0' || *end != '\0' || !(value >= 0) || value > 86400) {
        fail_usage("%s takes a number of seconds, not '%s'", name, text);
    }

    return value;
}

static void parse(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    long port = 0;
    if (argc < 2) {
        fail_usage("name a scenario: pingpong, stream, connrate or idle");
    }

    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        exit(0);
    }

    static const char *names[] = { "pingpong", "stream", "connrate", "idle" };
    opt.name = NULL;
    for (int s = 0; s < 4; s++) {
        if (strcmp(argv[1], names[s]) == 0) {
            opt.scenario = (enum scenario)s;
            opt.name = names[s];
        }
    }

    if (opt.name == NULL) {
        fail_usage("unknown scenario '%s' (pingpong, stream, connrate, idle)", argv[1]);
    }

    for (int i = 2; i < argc; i++) {
        const char *name = argv[i];
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        }

        if (i + 1 >= argc) {
            fail_usage("%s needs a value", name);
        }

        const char *value = argv[++i];
        if (strcmp(name, "--host") == 0) {
            host = value;
        } else if (strcmp(name, "--port") == 0) {
            port = parse_long(value, name, 1, 65535);
        } else if (strcmp(name, "--connections") == 0) {
            opt.connections = parse_long(value, name, 1, 1000000);
        } else if (strcmp(name, "--size") == 0) {
            opt.size = parse_long(value, name, 1, 16 * 1024 * 1024);
        } else if (strcmp(name, "--depth") == 0) {
            opt.depth = parse_long(value, name, 1, 65536);
        } else if (strcmp(name, "--concurrency") == 0) {
            opt.concurrency = parse_long(value, name, 1, 100000);
        } else if (strcmp(name, "--window") == 0) {
            opt.window = parse_long(value, name, 1, 1L << 30);
        } else if (strcmp(name, "--warmup") == 0) {
            opt.warmup = parse_seconds(value, name);
        } else if (strcmp(name, "--duration") == 0) {
            opt.duration = parse_seconds(value, name);
        } else {
            fail_usage("unknown option '%s'", name);
        }
    }

    if (port == 0) {
        fail_usage("--port is required");
    }

    if (opt.scenario == PINGPONG && opt.size * opt.depth > 64L * 1024 * 1024) {
        fail_usage("--size times --depth must stay within 64 MiB");
    }

    struct sockaddr_in *v4 = (struct sockaddr_in *)&opt.address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&opt.address;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        opt.address_length = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        opt.address_length = sizeof *v6;
    } else {
        fail_usage("--host takes an IPv4 or IPv6 address, not '%s'", host);
    }
}

int main(int argc, char **argv)
{
    parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);

    /* Ten thousand idle connections need the descriptors the hard limit allows. */
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("weirload: epoll_create1");
        return 1;
    }

    switch (opt.scenario) {
    case PINGPONG:
        run_pingpong();
        break;
    case STREAM:
        run_stream();
        break;
    case CONNRATE:
        run_connrate();
        break;
    case IDLE:
        run_idle();
        break;
    }

    return 0;
}
