// The rates of each model name, matched against the pricing globs once per name rather than once
// per response. Pure.

import { priceOf, type ModelPrice, type Pricing } from './pricing.js';

// Names remembered; past it the cache starts over (a hostile upstream's endless model names).
const LIMIT = 512;

export class PriceCache {
  #pricing: Pricing = {};
  readonly #prices = new Map<string, Readonly<ModelPrice> | null>();

  /** The rates looked up from now on. */
  setPricing(pricing: Pricing): void {
    this.#pricing = pricing;
    this.#prices.clear();
  }

  /** The rates of `model`, or null when no pattern prices it. */
  of(model: string): Readonly<ModelPrice> | null {
    let price = this.#prices.get(model);
    if (price === undefined) {
      price = priceOf(this.#pricing, model) ?? null;
      if (this.#prices.size >= LIMIT) this.#prices.clear();
      this.#prices.set(model, price);
    }
    return price;
  }
}
