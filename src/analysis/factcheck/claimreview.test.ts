import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../acquire/html.js';
import { extractClaimReviews } from './claimreview.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../../test/fixtures/factcheck/${name}`, import.meta.url), 'utf8');

describe('extractClaimReviews', () => {
  it('reads a single JSON-LD ClaimReview with its nested Claim, claimant and 1–6 scale', () => {
    expect(extractClaimReviews(fixture('single-jsonld.html'))).toEqual([
      {
        claimReviewed: 'The state tripled its water tax in 2025.',
        rating: 'Pants on Fire!',
        ratingValue: '1',
        bestRating: '6',
        worstRating: '1',
        publisher: 'Example Truth Meter',
        publisherUrl: 'https://truth-meter.example/',
        claimant: 'Jordan Avery',
        url: 'https://truth-meter.example/factchecks/2025/mar/14/water-tax-tripled/',
        datePublished: '2025-03-14',
        format: 'json-ld',
      },
    ]);
  });

  it('reads every ClaimReview in a JSON-LD array, with @type as an array and a sentence as the rating', () => {
    const r = extractClaimReviews(fixture('array-jsonld.html'));
    expect(r.map((x) => x.claimReviewed)).toEqual([
      'There are 20,000 fewer hospital beds in England than ten years ago.',
      'Bus journeys outside London have halved since 2010.',
    ]);
    expect(r[0]).toMatchObject({
      rating: 'The number of general and acute beds fell by about 8,000 over the period, not 20,000.',
      ratingValue: '0',
      bestRating: '1',
      worstRating: '-1',
      claimant: 'Campaign for Example Wards',
      datePublished: '2025-06-20T09:30:00+01:00',
    });
    expect(r[1]).toMatchObject({
      rating: 'Down by about a quarter, not half.',
      ratingValue: null,
      claimant: null,
    });
  });

  it('reads @graph with a prefixed type, resolves an @id author, and survives CDATA and trailing commas', () => {
    expect(extractClaimReviews(fixture('graph-jsonld.html'))).toEqual([
      expect.objectContaining({
        claimReviewed: 'Video shows flooding in the capital this week',
        rating: 'Misleading',
        publisher: 'Example Agency Fact Check',
        publisherUrl: 'https://factcheck.agency.example/',
        claimant: 'Social media users',
        url: 'https://factcheck.agency.example/doc.ex.123',
      }),
    ]);
  });

  it('reads microdata, nested items included, and drops a javascript: link', () => {
    expect(extractClaimReviews(fixture('microdata.html'))).toEqual([
      {
        claimReviewed: 'The river bridge will close for five years.',
        rating: 'False',
        ratingValue: '1',
        bestRating: '5',
        worstRating: '1',
        publisher: 'Example Check Desk',
        publisherUrl: null,
        claimant: 'posts on social media',
        url: 'https://checkdesk.example/bridge-closure/',
        datePublished: '2025-11-08',
        format: 'microdata',
      },
    ]);
  });

  it('finds nothing on pages without ClaimReview, with broken JSON, or with a review that names no claim', () => {
    expect(extractClaimReviews('<html><body><p>Plain article.</p></body></html>')).toEqual([]);
    expect(
      extractClaimReviews(
        '<script type="application/ld+json">{"@type": "ClaimReview", "claimReviewed": </script>' +
          '<script type="application/ld+json">{"@type":"ClaimReview","reviewRating":{"alternateName":"False"}}</script>',
      ),
    ).toEqual([]);
  });

  it('finds a ClaimReview nested under an article’s review, with language-tagged values and an author list', () => {
    const html = `<script type="application/ld+json">${JSON.stringify({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: 'x',
      review: {
        '@type': 'http://schema.org/ClaimReview',
        claimReviewed: { '@value': 'Le pont fermera cinq ans.', '@language': 'fr' },
        author: [
          { '@type': 'Organization', name: 'Desk Vérif' },
          { '@type': 'Person', name: 'A. Writer' },
        ],
        reviewRating: { '@type': 'Rating', name: 'Faux' },
      },
    })}</script>`;
    expect(extractClaimReviews(html)).toEqual([
      expect.objectContaining({
        claimReviewed: 'Le pont fermera cinq ans.',
        rating: 'Faux',
        publisher: 'Desk Vérif',
      }),
    ]);
  });

  it('lists a review published twice (JSON-LD and microdata) once', () => {
    const html = `<script type="application/ld+json">{"@type":"ClaimReview","claimReviewed":"The river bridge will close for five years.","url":"https://checkdesk.example/bridge-closure/","reviewRating":{"alternateName":"False"}}</script>${fixture('microdata.html')}`;
    expect(extractClaimReviews(html)).toHaveLength(1);
  });
});

describe('extractArticle hook', () => {
  it('carries the page ClaimReviews although Readability strips scripts afterwards', () => {
    const a = extractArticle(fixture('single-jsonld.html'));
    expect(a.text).toContain('We rate this claim Pants on Fire!');
    expect(a.claimReviews.map((r) => r.rating)).toEqual(['Pants on Fire!']);
  });
});
