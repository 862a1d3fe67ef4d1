import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateName, OtpError } from '@otp-ts/cli';

test('valid names pass through', () => {
  for (const name of ['shop', 'my_app', 'a1', 'x', 'order_fsm2']) assert.equal(validateName(name), name);
});

const invalid: Array<[string, string, string]> = [
  ['', 'the name is empty', 'Choose a name like my_app.'],
  ['MyApp', 'application names are lowercase', "Try 'my_app'."],
  ['1shop', 'it must start with a letter, not a digit', "Try 'shop'."],
  ['my-app', "use '_' instead of '-' (application names are module-name prefixes)", "Try 'my_app'."],
  ['my.app', 'use only lowercase letters, digits and _, starting with a letter', "Try 'my_app'."],
  ['_shop', 'use only lowercase letters, digits and _, starting with a letter', "Try 'shop'."],
  ['shop_', "it must not end with '_'", "Try 'shop'."],
  ['class', 'it is a reserved word in JavaScript', 'Choose a name like my_app.'],
  ['http', 'it is the name of a Node.js built-in module', 'Choose a name like my_app.'],
  ['logger', 'the name is taken by otp-ts or OTP', 'Choose a name like my_app.'],
  ['café', 'use only lowercase letters, digits and _, starting with a letter', "Try 'cafe'."],
  ['Über_Shop', 'application names are lowercase', "Try 'uber_shop'."],
  ['日本', 'use only lowercase letters, digits and _, starting with a letter', 'Choose a name like my_app.'],
  ['a'.repeat(101), 'it is 101 characters long; keep it under 100', 'Choose a name like my_app.'],
];

test('every invalid name gets its reason and a fix', () => {
  for (const [name, why, hint] of invalid) {
    assert.throws(
      () => validateName(name),
      (e: unknown) => {
        assert.ok(e instanceof OtpError);
        assert.equal(e.code, 'badName');
        assert.equal(e.message, `invalid name '${name}': ${why}`);
        assert.equal(e.hint, hint, name);
        assert.equal(e.exitCode, 2);
        return true;
      },
      name,
    );
  }
});
