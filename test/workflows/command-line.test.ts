import { CommandLineError, splitWords } from '../../src/workflows/command-line';

describe('splitting slash-command text into words', () => {
  it.each([
    ['run hello name=Ada', ['run', 'hello', 'name=Ada']],
    ['  run   hello  ', ['run', 'hello']],
    ['run x note="two words"', ['run', 'x', 'note=two words']],
    ["run x note='single quoted'", ['run', 'x', 'note=single quoted']],
    ['run x note="say \\"hi\\""', ['run', 'x', 'note=say "hi"']],
    ['run x note=a\\ b', ['run', 'x', 'note=a b']],
    ['run x empty=""', ['run', 'x', 'empty=']],
    ['run x note=\u201Csmart quotes\u201D', ['run', 'x', 'note=smart quotes']],
    ['run x cmd=$(rm -rf /);echo', ['run', 'x', 'cmd=$(rm', '-rf', '/);echo']],
    ['', []],
  ])('%s', (text, words) => {
    expect(splitWords(text)).toEqual(words);
  });

  it('names an unclosed quote', () => {
    expect(() => splitWords('run x note="open')).toThrow(new CommandLineError('unclosed " quote'));
  });
});
