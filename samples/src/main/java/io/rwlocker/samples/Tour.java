package io.rwlocker.samples;

/** Placeholder for the README's first command; replaced by the real tour. */
public final class Tour {
    private Tour() {}

    public static void main(String[] args) {
        System.out.println("rwlocker tour");
    }
}
