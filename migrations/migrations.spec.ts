import * as fs from 'node:fs';
import { MIGRATIONS } from './index';

describe('migrations/index.ts', () => {
  it('lists every migration file, in timestamp order', () => {
    const files = fs
      .readdirSync(__dirname)
      .filter((file) => /^\d+-\w+\.ts$/.test(file))
      .sort();
    const classNames = files.map((file) => {
      const [, timestamp, name] = /^(\d+)-(\w+)\.ts$/.exec(file)!;
      return `${name}${timestamp}`;
    });
    expect(MIGRATIONS.map((migration) => migration.name)).toEqual(classNames);
  });
});
