/** A local HTTP server the dummy credential's test request goes to: `good-key` passes, anything else is 401. */
import * as http from 'node:http';

export function startCheckServer(): Promise<{ url: string; close: () => void; hits: string[] }> {
	const hits: string[] = [];
	const srv = http.createServer((req, res) => {
		hits.push(req.url ?? '');
		const key = new URL(req.url ?? '/', 'http://x').searchParams.get('api_key');
		res.setHeader('content-type', 'application/json');
		if (key === 'good-key') res.end('{"ok":true}');
		else {
			res.statusCode = 401;
			res.end('{"message":"bad key"}');
		}
	});
	return new Promise((resolve) =>
		srv.listen(0, '127.0.0.1', () => {
			const port = (srv.address() as { port: number }).port;
			resolve({ url: `http://127.0.0.1:${port}`, close: () => srv.close(), hits });
		}),
	);
}
