// uWebSockets.js: the native binary loads and serves HTTP on loopback; a missing binary is refused
// with a message naming the platform and ABI instead of falling back to the slow pure-JS server.
import { request } from 'node:http';
import { expect, test } from 'vitest';
import { loadUws, uwsBinaryPath } from '../src/server/uws.js';

test('the native binary loads and answers HTTP on loopback', async () => {
  const uws = loadUws();
  const app = uws.App().get('/health', (res) => {
    res.end('tickwave ok');
  });
  const { port, socket } = await new Promise<{ port: number; socket: unknown }>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve({ port: uws.us_socket_local_port(s), socket: s }) : reject(new Error('listen failed')))),
  );
  try {
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/health' }, (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve(`${res.statusCode} ${data}`));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe('200 tickwave ok');
  } finally {
    uws.us_listen_socket_close(socket as never);
  }
});

test('a missing native binary is refused, naming the platform and ABI', () => {
  expect(uwsBinaryPath('1')).toMatch(new RegExp(`binaries/uws_${process.platform}_${process.arch}_1\\.node$`));
  expect(() => loadUws('1')).toThrow(
    `tickwave: uWebSockets.js has no working native binary for ${process.platform}-${process.arch}, Node ABI 1 (Node ${process.version})`,
  );
});
