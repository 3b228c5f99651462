import * as path from 'node:path';
import ts from 'typescript';

/**
 * `npm test` compiles test/typecheck/on-payment-event.typecheck.ts (jest's swc
 * transform does not type-check): a listener whose parameter does not match its
 * event must not compile — each `@ts-expect-error` there fails this test when
 * the line below it compiles.
 */
describe('@OnPaymentEvent types its listener by the event (compile-time)', () => {
  it('compiles the type test with no error: matching listeners pass, mismatched ones are rejected', () => {
    const root = path.resolve(__dirname, '..', '..');
    const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), (file) =>
      ts.sys.readFile(file),
    );
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
    const program = ts.createProgram(
      [path.join(root, 'test', 'typecheck', 'on-payment-event.typecheck.ts')],
      { ...options, noEmit: true },
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });
});
