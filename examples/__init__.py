"""Shipped examples, installed as ``optimizer.examples`` so ``optimize template --example`` finds them."""
