/**
 * A storage stand-in for benchmarks: accepts a PUT to any path, reads its body and throws it
 * away, then answers 200 with an empty body. Run it as its own process, so that what it costs
 * in CPU and memory is never counted against the uploader being measured:
 *
 *   node --import tsx scripts/bench/discarding-sink.ts [--port N]
 *
 * Listens on 127.0.0.1 and prints one line `discarding sink http://127.0.0.1:PORT`, then one
 * JSON line per finished request: {"method","path","bytes","declared","complete"}, where
 * `declared` is the request's Content-Length (null without one) and `complete` says whether
 * the body arrived in full. Other methods get 405. Stops on SIGTERM or SIGINT.
 */
import { createServer } from 'node:http';

function portFromArgs(argv: string[]): number {
	const at = argv.indexOf('--port');
	if (at === -1) return 0;
	const port = Number(argv[at + 1]);
	if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port needs a port number (0 for any free port).');
	return port;
}

function report(line: object): void {
	process.stdout.write(`${JSON.stringify(line)}\n`);
}

const server = createServer((req, res) => {
	const path = (req.url ?? '/').split('?')[0];
	if (req.method !== 'PUT') {
		req.resume();
		res.writeHead(405, { Allow: 'PUT', 'Content-Length': '0' });
		res.end();
		report({ method: req.method, path, bytes: 0, declared: null, complete: false });
		return;
	}
	const header = req.headers['content-length'];
	const declared = header === undefined ? null : Number(header);
	let bytes = 0;
	req.on('data', (chunk: Buffer) => {
		bytes += chunk.length;
	});
	req.on('end', () => {
		res.writeHead(200, { 'Content-Length': '0' });
		res.end();
		report({ method: 'PUT', path, bytes, declared, complete: true });
	});
	req.on('aborted', () => report({ method: 'PUT', path, bytes, declared, complete: false }));
});

server.listen(portFromArgs(process.argv.slice(2)), '127.0.0.1', () => {
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('the sink has no TCP address');
	console.log(`discarding sink http://127.0.0.1:${address.port}`);
});

const stop = (): void => {
	server.close(() => process.exit(0));
	server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
