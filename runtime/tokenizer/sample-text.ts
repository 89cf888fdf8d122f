/**
 * Deterministic English-like sentences for the tokenizer benchmark and the 10,000-sentence test: common words with
 * Zipf-like frequencies, a tail of rarer words that WordPiece splits, names, numbers, contractions, quotes and
 * sentence punctuation — the mix a BERT tokenizer meets in ordinary text.
 */

const COMMON = `the of and to a in is that for it as was with be by on not he this are or his from at which but have an they
you were her she there been one all we their has would when if so no will more can out up about who some what them than
into only other time new could its also two may then first any like now my over such our man me even most made after
year years people way many before must through back where much good well should because each those very still own see
work long get here between both life being under never day same another know while last might us great old off come
since against go came right used take three states himself few house use during without again place around however home
small found world thought went say part once general high upon school every don does got united left number course war
until always away something fact though water less public put think almost hand enough far took head yet government
system better set told nothing night end why called didn eyes find going look asked later knew point next city business
give group toward young days let room president side social given present several order national possible rather second
face per among form important often things looked early white case john become large big need four within felt along
children saw best church ever least power development light thing family interest want members mind country area others
done turned although open god service problem certain kind different thus began door help means sense whole matter
perhaps itself york times law human line above name example action company local show whether five history gave today
either act feet across taken past quite anyone seen having death week experience body word half really field am car words
already themselves information tell together college shall money period held keep sure probably free seems real behind
cannot miss political air question making office brought whose special heard major problems ago became federal moment
study available known result street economic boy position reason change south board individual job areas society`.split(/\s+/);

const RARE = `tokenization unbelievably photosynthesis antidisestablishmentarianism refrigerator quarantine
hyperparameter bioluminescence misunderstanding electroencephalography counterintuitive serendipitous juxtaposition
cryptocurrency microarchitecture overengineered unaffable transformers embeddings backpropagation huggingface pytorch
tensorflow wordpiece subword lemmatization disambiguation kaleidoscope onomatopoeia xylophone zeitgeist rendezvous
naïve café résumé façade jalapeño über coöperate fiancée doppelgänger smörgåsbord`.split(/\s+/);

const NAMES = ['Alice', 'Bob', 'Jim Henson', 'Marie Curie', 'Paris', 'France', 'Italy', 'Tokyo', 'Google', 'BERT', 'Ada Lovelace', 'New York'];
const CONTRACTIONS = ["don't", "isn't", "I'm", "we've", "they're", "it's", "can't", "won't", "she'll", "you'd"];
const ENDINGS = ['.', '.', '.', '?', '!', '...'];

/** mulberry32: a small seeded PRNG, so every run sees the same sentences. */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` sentences of 6–30 words.
 * @example
 * englishSentences(2, 1); // e.g. ['The house of people was made in 1987, they're told.', 'Why did Alice ...?']
 */
export function englishSentences(count: number, seed = 1): string[] {
  const rnd = seededRandom(seed);
  // Zipf-ish: squaring a uniform draw favours the front of the list, where the most frequent words are.
  const common = () => COMMON[Math.floor(rnd() * rnd() * COMMON.length)]!;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = 6 + Math.floor(rnd() * 25);
    const words: string[] = [];
    for (let k = 0; k < n; k++) {
      const r = rnd();
      let w = r < 0.85 ? common() : r < 0.9 ? pick(RARE) : r < 0.94 ? pick(NAMES) : r < 0.97 ? pick(CONTRACTIONS) : String(Math.floor(rnd() * 5000));
      if (k > 0 && rnd() < 0.06) w = `${w},`;
      else if (rnd() < 0.01) w = `"${w}"`;
      else if (rnd() < 0.01) w = `(${w})`;
      words.push(w);
    }
    const first = words[0]!;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    out.push(words.join(' ').replace(/,$/, '') + pick(ENDINGS));
  }
  return out;
}
