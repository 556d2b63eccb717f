// Runs inside a test's network namespace: `serve PORT` echoes TCP and UDP on both families and
// prints "ready"; `tcp HOST PORT MS [FROM]` / `udp HOST PORT MS` exit 0 when the server answered in
// time (FROM: the client's own address to connect from).
import dgram from 'node:dgram';
import net from 'node:net';

const [mode, a, b, c, d] = process.argv.slice(2);

if (mode === 'serve') {
  const port = Number(a);
  const tcp = net.createServer((socket) => socket.pipe(socket));
  tcp.listen({ port, host: '::', ipv6Only: false }, () => {
    const udp6 = dgram.createSocket({ type: 'udp6', ipv6Only: false });
    udp6.on('message', (msg, rinfo) => udp6.send(msg, rinfo.port, rinfo.address));
    udp6.bind(port, '::', () => process.stdout.write('ready\n'));
  });
} else if (mode === 'tcp') {
  const socket = net.connect({ host: a, port: Number(b), ...(d ? { localAddress: d } : {}) });
  const timer = setTimeout(() => process.exit(1), Number(c));
  socket.on('connect', () => {
    socket.write('ping');
    socket.once('data', () => {
      clearTimeout(timer);
      socket.destroy();
      process.exit(0);
    });
  });
  socket.on('error', () => process.exit(1));
} else if (mode === 'udp') {
  const socket = dgram.createSocket(a.includes(':') ? 'udp6' : 'udp4');
  const timer = setTimeout(() => process.exit(1), Number(c));
  socket.on('message', () => {
    clearTimeout(timer);
    process.exit(0);
  });
  socket.send('ping', Number(b), a);
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
