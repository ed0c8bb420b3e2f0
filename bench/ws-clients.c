// The load of `tickwave bench ws`, native: N WebSocket clients on loopback in one process of their
// own, read with epoll. A client written in Node costs several µs of its own per read, and with
// 1,000 sockets that cost showed up in the measured delivery latency (p99 120 ms against about
// 20 ms read this way). The clients do the least a client does: frame headers, a count, and each
// message's planned send time (8 bytes little-endian at a given offset of the payload, on
// CLOCK_MONOTONIC, the clock tickwave's monotonicNs() reads) recorded as a latency.
//
// Usage: ws-clients <port> <path> <clients> <ts-offset>
// Prints "connected <n>", then answers one command per line on stdin:
//   reset   -> "reset" (count and histogram cleared)
//   report  -> "report <received> <open> <max-ns> <value>:<count> ..." (histogram buckets, each at
//              its lowest value; 2,048 sub-buckets per power of two, as an HDR histogram with 3
//              significant digits)
//   exit
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SUB 2048
#define EXPONENTS 40
#define STDIN_TAG 0xffffffffu

static uint64_t buckets[EXPONENTS * SUB];
static uint64_t received, max_ns;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void record(uint64_t v) {
  if (v < 1) v = 1;
  if (v > max_ns) max_ns = v;
  // Below 2,048 ns a bucket per ns; above, the top 11 bits of the value pick the bucket.
  unsigned e = v < SUB ? 0 : (unsigned)(64 - __builtin_clzll(v) - 11);
  uint64_t i = e == 0 ? v : (uint64_t)e * SUB + (v >> e);
  if (i >= EXPONENTS * SUB) i = EXPONENTS * SUB - 1;
  buckets[i]++;
}

static uint64_t bucket_low(uint64_t i) {
  uint64_t e = i / SUB, s = i % SUB;
  return e == 0 ? s : s << e;
}

#define REST 16384
typedef struct {
  int fd;
  int open;
  size_t rest_len;
  uint8_t rest[REST]; // a frame cut by the end of a read, kept for the next
} Conn;

static Conn *conns;
static int n_conns;
static int ts_offset;

static void parse(Conn *c, const uint8_t *buf, size_t end, uint64_t now) {
  size_t p = 0;
  while (end - p >= 2) {
    unsigned opcode = buf[p] & 0x0f;
    uint64_t len = buf[p + 1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
      if (end - p < 4) break;
      len = ((uint64_t)buf[p + 2] << 8) | buf[p + 3];
      h = 4;
    } else if (len == 127) {
      if (end - p < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | buf[p + 2 + i];
      h = 10;
    }
    if (end - p < h + len) break;
    if (opcode == 2 && len >= (uint64_t)ts_offset + 8) {
      uint64_t planned;
      memcpy(&planned, buf + p + h + ts_offset, 8);
      received++;
      record(now > planned ? now - planned : 1);
    }
    p += h + len;
  }
  c->rest_len = end - p;
  if (c->rest_len > REST) {
    fprintf(stderr, "ws-clients: a frame larger than %d bytes\n", REST);
    exit(1);
  }
  if (c->rest_len) memmove(c->rest, buf + p, c->rest_len);
}

static uint8_t read_buf[REST + 65536];

static int open_client(Conn *c, int port, const char *path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    fprintf(stderr, "ws-clients: connect to 127.0.0.1:%d: %s\n", port, strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   path, port);
  if (write(fd, req, (size_t)n) != n) {
    fprintf(stderr, "ws-clients: upgrade request not sent: %s\n", strerror(errno));
    return -1;
  }
  size_t got = 0;
  char *end_of_head = NULL;
  while (!end_of_head) {
    ssize_t r = read(fd, read_buf + got, sizeof read_buf - got - 1);
    if (r <= 0) {
      fprintf(stderr, "ws-clients: the server closed the connection during the upgrade\n");
      return -1;
    }
    got += (size_t)r;
    read_buf[got] = 0;
    end_of_head = strstr((char *)read_buf, "\r\n\r\n");
  }
  if (strncmp((char *)read_buf, "HTTP/1.1 101", 12) != 0) {
    *strchr((char *)read_buf, '\r') = 0;
    fprintf(stderr, "ws-clients: upgrade refused: %s\n", (char *)read_buf);
    return -1;
  }
  c->fd = fd;
  c->open = 1;
  uint8_t *after = (uint8_t *)end_of_head + 4;
  if (after < read_buf + got) parse(c, after, (size_t)(read_buf + got - after), now_ns());
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return 0;
}

static void report(void) {
  int open = 0;
  for (int j = 0; j < n_conns; j++) open += conns[j].open;
  printf("report %llu %d %llu", (unsigned long long)received, open, (unsigned long long)max_ns);
  for (uint64_t b = 0; b < EXPONENTS * SUB; b++)
    if (buckets[b]) printf(" %llu:%llu", (unsigned long long)bucket_low(b), (unsigned long long)buckets[b]);
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: ws-clients <port> <path> <clients> <ts-offset>\n");
    return 2;
  }
  int port = atoi(argv[1]);
  const char *path = argv[2];
  n_conns = atoi(argv[3]);
  ts_offset = atoi(argv[4]);
  conns = calloc((size_t)n_conns, sizeof(Conn));
  int ep = epoll_create1(0);
  for (int i = 0; i < n_conns; i++) {
    if (open_client(&conns[i], port, path) < 0) return 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }
  struct epoll_event in = {.events = EPOLLIN, .data.u32 = STDIN_TAG};
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in);
  printf("connected %d\n", n_conns);
  fflush(stdout);

  static struct epoll_event events[1024];
  char line[256];
  size_t line_len = 0;
  for (;;) {
    int n = epoll_wait(ep, events, 1024, -1);
    if (n < 0 && errno == EINTR) continue;
    for (int k = 0; k < n; k++) {
      uint32_t i = events[k].data.u32;
      if (i == STDIN_TAG) {
        ssize_t r = read(0, line + line_len, sizeof line - line_len - 1);
        if (r <= 0) return 0; // the parent went away
        line_len += (size_t)r;
        char *nl;
        while ((nl = memchr(line, '\n', line_len))) {
          *nl = 0;
          if (!strcmp(line, "reset")) {
            memset(buckets, 0, sizeof buckets);
            received = max_ns = 0;
            printf("reset\n");
          } else if (!strcmp(line, "report")) {
            report();
          } else if (!strcmp(line, "exit")) {
            return 0;
          } else {
            printf("error unknown command: %s\n", line);
          }
          fflush(stdout);
          line_len -= (size_t)(nl + 1 - line);
          memmove(line, nl + 1, line_len);
        }
        continue;
      }
      Conn *c = &conns[i];
      for (;;) {
        memcpy(read_buf, c->rest, c->rest_len);
        size_t room = sizeof read_buf - c->rest_len;
        ssize_t r = read(c->fd, read_buf + c->rest_len, room);
        if (r > 0) {
          parse(c, read_buf, c->rest_len + (size_t)r, now_ns());
          if ((size_t)r < room) break; // drained
          continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          c->open = 0;
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
          close(c->fd);
        }
        break;
      }
    }
  }
}
