// Where the NER model and the CoNLL corpus live, relative to the package root (the same from src/ and dist/).
import path from 'node:path';
import { packageRoot } from '../../../core/paths.js';

export function defaultNerModelPath(): string {
  return path.join(packageRoot(), 'models', 'ner.bin');
}

/** The CoNLL++ splits, read in place from the corpus beside the repository (never copied in). */
export function conllPath(split: 'train' | 'dev'): string {
  return path.resolve(packageRoot(), '..', 'shared', 'corpus', 'ner', `conllpp_${split}.txt`);
}
