// An operator used to relx's start scripts types its words (start, console, attach, …): the refusal names the command meant here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOtpError, parseCommandLine } from '../../src/index.ts';
import { scriptProgram, scriptTables } from '../../src/control/commands.ts';

const program = scriptProgram('shop', Object.values(scriptTables));

async function refusal(argv: string[]): Promise<string> {
  try {
    await parseCommandLine(argv, program);
  } catch (error) {
    assert.ok(isOtpError(error), String(error));
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail(`${argv.join(' ')} was not refused`);
}

test("relx's command names are refused naming this start script's command for them, exit 2; other unknown words keep their did-you-mean", async () => {
  assert.equal(await refusal(['start']), "unknown command 'start': relx's start is daemon here (bin/shop daemon)");
  assert.equal(await refusal(['console']), "unknown command 'console': relx's console is foreground here (bin/shop foreground)");
  assert.equal(await refusal(['attach']), "unknown command 'attach': relx's attach is remote here (bin/shop remote)");
  assert.equal(await refusal(['remote_console']), "unknown command 'remote_console': relx's remote_console is remote here (bin/shop remote)");
  assert.equal(await refusal(['install', '0.2.0']), "unknown command 'install': relx's install is upgrade here (bin/shop upgrade)");
  assert.equal(await refusal(['stpo']), "unknown command 'stpo' (did you mean 'stop'?)");
  assert.equal(await refusal(['toString']), "unknown command 'toString'");
});

test("a slip of a relx name (strat, consoel) is refused suggesting this script's command for it, exit 2", async () => {
  assert.equal(await refusal(['strat']), "unknown command 'strat' (did you mean 'daemon'? relx's start is daemon here)");
  assert.equal(await refusal(['consoel']), "unknown command 'consoel' (did you mean 'foreground'? relx's console is foreground here)");
  assert.equal(await refusal(['remote_consol']), "unknown command 'remote_consol' (did you mean 'remote'?)");
  assert.equal(await refusal(['restrat']), "unknown command 'restrat' (did you mean 'restart'?)");
});

test("Erlang's node flags typed on a command (daemon -name x) are refused in one line that points to config/node.args, exit 2", async () => {
  assert.equal(await refusal(['daemon', '-name', 'x@127.0.0.1']), "unknown option '-name' for bin/shop daemon: the node's name goes in config/node.args (--name x@127.0.0.1), then otp release");
  assert.equal(await refusal(['foreground', '-sname', 'x']), "unknown option '-sname' for bin/shop foreground: the node's name goes in config/node.args (--sname x), then otp release");
  assert.equal(await refusal(['daemon', '-setcookie', 'c']), "unknown option '-setcookie' for bin/shop daemon: the node's cookie goes in config/node.args (--setcookie c), then otp release");
  assert.equal(await refusal(['daemon', '-name']), "unknown option '-name' for bin/shop daemon: the node's name goes in config/node.args (--name NAME), then otp release");
});
