// `html` tagged templates that build Preact elements (htm bound to Preact's `h`): JSX without a
// build step.
import htm from 'htm';
import { h } from 'preact';

export const html = htm.bind(h);
