/**
 * Names that deserve a second look in the instructor's table: the same as another learner's, one
 * that looks like another's with letters of another alphabet, or one mixing alphabets in a word.
 */

export type NameWarning = 'same' | 'looksLike' | 'mixed';

/**
 * Letters of other alphabets that are drawn like Latin ones, mapped to them: enough to see that
 * "Аda" (Cyrillic А) is posing as "Ada". Not all of Unicode's confusables; the common ones.
 */
const lookAlikes: Record<string, string> = Object.fromEntries(
  [
    ['аɑα', 'a'],
    ['вβ', 'b'],
    ['сϲ', 'c'],
    ['ԁ', 'd'],
    ['еε', 'e'],
    ['һ', 'h'],
    ['іιӏ', 'i'],
    ['ј', 'j'],
    ['κк', 'k'],
    ['м', 'm'],
    ['пη', 'n'],
    ['оο', 'o'],
    ['рρ', 'p'],
    ['ԛ', 'q'],
    ['ѕ', 's'],
    ['тτ', 't'],
    ['υս', 'u'],
    ['ѵν', 'v'],
    ['ԝω', 'w'],
    ['хχ', 'x'],
    ['уγ', 'y'],
    ['ᴢ', 'z'],
  ].flatMap(([from = '', to = '']) => [...from].map((letter) => [letter, to])),
);

/** A name reduced to how it looks: case folded, look-alike letters replaced by Latin ones. */
function skeleton(name: string): string {
  return [...name.normalize('NFKC').toLocaleLowerCase('en')]
    .map((letter) => lookAlikes[letter] ?? letter)
    .join('');
}

/** The alphabets whose letters are easily taken for one another. */
const confusableScripts = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

/** Whether one word holds letters of two of those alphabets ("Аda", not "Ada Иванова"). */
function mixesScripts(name: string): boolean {
  return name.split(/\s+/u).some((word) => {
    const scripts = confusableScripts.filter((script) => script.test(word));
    return scripts.length > 1;
  });
}

/** For each name, in order, why it deserves a second look, or null. */
export function nameWarnings(names: readonly string[]): (NameWarning | null)[] {
  const count = (keys: string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return (key: string) => counts.get(key) ?? 0;
  };
  const exact = names.map((name) => name.normalize('NFKC').toLocaleLowerCase('en'));
  const looks = names.map(skeleton);
  const exactCount = count(exact);
  const looksCount = count(looks);
  return names.map((name, index) => {
    if (exactCount(exact[index] ?? '') > 1) return 'same';
    if (looksCount(looks[index] ?? '') > 1) return 'looksLike';
    if (mixesScripts(name)) return 'mixed';
    return null;
  });
}
