// Cue-word lexicons for check-worthiness, written from what makes a claim checkable: quantities, change,
// comparison, a public record, causation, cited evidence — and, against it, courtesy, hedging and promises.

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/));

/** Words that express an amount or a proportion. Matched on lemmas and lower-cased tokens. */
export const QUANTITY = set(`
  percent percentage million billion trillion thousand hundred dozen half quarter third double triple twice
  times rate average majority minority dollar cent number amount total share per capita fraction`);

/** Verbs of measurable change, the backbone of statistical claims ("fell", "doubled", "created"). */
export const CHANGE = set(`
  increase decrease rise fall drop grow double triple cut raise lower reduce lose gain create add decline
  soar plunge shrink expand spend cost pay owe borrow earn save waste collapse skyrocket surge jump climb
  halve quadruple`);

/** Actions that leave a public record someone can look up (votes, signatures, donations, rulings). */
export const RECORD = set(`
  vote support oppose sign pass approve endorse veto sponsor propose fund donate give hire fire negotiate
  invade ban deport audit investigate delete indict convict rule sue settle release withdraw launch
  build close bankrupt file declare testify appoint nominate elect lie leak hack`);

/** Verbs of saying: attributed statements are checkable against a transcript. */
export const SAYING = set(`say call claim admit announce state tell write report describe deny promise`);

/** Causal connectives and verbs. */
export const CAUSAL = set(
  `because cause result due lead therefore consequence responsible blame effect thanks`,
);

/** Words that cite evidence or sources. */
export const EVIDENCE = set(`
  according study report poll data statistic fact evidence expert analysis survey research record history
  law court bureau department agency official figure census analyst economist`);

/** Comparison and ranking words (superlatives are also detected from word shape). */
export const COMPARISON = set(`
  more less fewer than most least best worst largest biggest highest lowest smallest first only ever
  all-time record since compare compared versus`);

/** Topics on which political claims are typically fact-checked. */
export const POLICY = set(`
  tax job unemployment economy economic deficit debt trade wage income crime murder homicide immigration
  immigrant border wall healthcare obamacare insurance medicare medicaid security military war nuclear
  terrorism terrorist refugee gun energy climate oil coal budget spending deal nafta tariff bank poverty
  police prison drug manufacturing factory company worker employment gdp inflation pension social
  regulation treaty sanction weapon troop veteran school education student tuition loan mortgage
  business corporation china mexico iran russia syria iraq isis korea`);

/** Opinion and hedging: statements of belief are rarely verifiable. */
export const HEDGE = set(
  `think believe feel hope maybe perhaps probably guess opinion seem might could should wish want`,
);

/** Promises and plans: the future cannot be fact-checked yet. */
export const FUTURE = set(`will 'll gonna plan going intend`);

/** Courtesy, greetings and stage directions: the small talk of a debate. */
export const COURTESY = set(`
  thank thanks welcome congratulations congratulate appreciate honor pleasure hello evening morning ladies
  gentlemen applause laughter crosstalk bless okay ok yes please sir madam folks`);

/** Absolutes: "never", "every" — strong, checkable generalisations. */
export const ABSOLUTE = set(
  `never always every everyone everybody nobody nothing none all entire totally completely absolutely`,
);

/** Evaluative, subjective adjectives and intensifiers. */
export const SUBJECTIVE = set(`
  very really incredible tremendous terrible horrible disaster great beautiful amazing fantastic huge
  massive sad stupid bad good nice big wonderful disgraceful ridiculous unbelievable`);

/** Turn-management words of debate moderation. */
export const MODERATION = set(
  `question minute second respond response rebuttal answer turn time segment topic`,
);

/** Light verbs and auxiliaries that carry no topic. */
export const LIGHT = set(`
  be have do say go get know think want make let can will would should could may might must take come see
  look thing lot way people`);
