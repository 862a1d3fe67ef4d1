// The built-in port mapper as its own OS process (it outlives the node that started it, like epmd):
// node epmd-main.js --port N
import { EpmdServer } from './epmd-server.js';

const i = process.argv.indexOf('--port');
const port = Number(i >= 0 ? process.argv[i + 1] : 4369);
const server = new EpmdServer(
  (line) => process.stderr.write(`${line}\n`),
  () => process.exit(0),
);
server.listen(port).then(
  () => process.stdout.write(`port mapper listening on 127.0.0.1:${port}\n`),
  (error: Error) => {
    process.stderr.write(`port mapper could not listen on ${port}: ${error.message}\n`);
    process.exit(1);
  },
);
