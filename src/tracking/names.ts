import { randomInt } from 'node:crypto';

// Generated run names read like MLflow's ("adjective-noun-123") so UIs and habits carry over.
const ADJECTIVES = [
  'amber', 'ample', 'bold', 'brave', 'bright', 'brisk', 'calm', 'clever', 'crisp', 'daring',
  'deft', 'eager', 'early', 'fair', 'fleet', 'fond', 'gentle', 'glad', 'grand', 'handy',
  'hardy', 'honest', 'humble', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'merry', 'mild',
  'nimble', 'noble', 'plucky', 'polite', 'proud', 'quick', 'quiet', 'rapid', 'ready', 'sharp',
  'shy', 'silent', 'sleek', 'smooth', 'snug', 'steady', 'sturdy', 'sunny', 'swift', 'tidy',
  'vivid', 'warm', 'wise', 'witty', 'zesty',
] as const;
const NOUNS = [
  'badger', 'bear', 'bison', 'boar', 'carp', 'cat', 'colt', 'crab', 'crane', 'deer',
  'dove', 'eagle', 'eel', 'elk', 'falcon', 'finch', 'fox', 'frog', 'gull', 'hare',
  'hawk', 'heron', 'horse', 'ibis', 'jay', 'kite', 'lark', 'lynx', 'mole', 'moth',
  'newt', 'otter', 'owl', 'panda', 'pike', 'puffin', 'quail', 'raven', 'robin', 'seal',
  'shrew', 'skunk', 'sloth', 'snail', 'sparrow', 'stoat', 'swan', 'toad', 'trout', 'vole',
  'wasp', 'whale', 'wolf', 'wren', 'yak',
] as const;

export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
