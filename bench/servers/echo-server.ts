// A bare Node dgram echo server on 127.0.0.1: every datagram goes back to its sender as it came.
// The ceiling of Node's UDP path for the load generator (bench/loadgen.ts). Prints "port N".
import { createSocket } from 'node:dgram';

const sock = createSocket('udp4');
sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
sock.bind(0, '127.0.0.1', () => console.log('port ' + sock.address().port));
process.on('SIGTERM', () => sock.close());
