"""The textbook's GAN (article 003, section 4.5), made to run and to train: a generator turns 100
random numbers into one number, a discriminator tells generated numbers from real ones (drawn
around 0.5, sd 0.1), each trained in turn with train_on_batch. Only the import changed.

    python examples/keras/gan.py

It prints the losses and, at the end, the mean and spread of 1000 generated numbers: the mean
swings around the real 0.5 as the two networks chase each other, and the spread stays narrower
than the real 0.1 (mode collapse, the classic failure of GANs, visible even at this size).

What the article's code gets wrong, and what runs here instead:
- the discriminator is built for 100 inputs but judges the generator's single number: input_shape=(1,);
- the generator is compiled with MSE and trained by ``generator.train_on_batch(noise, ones)``, which
  pushes its output towards the label 1 and never involves the discriminator. A GAN trains the
  generator *through* the discriminator: ``gan = Sequential([generator, discriminator])`` with the
  discriminator frozen, and ``gan.train_on_batch(noise, ones)`` ("make D say real");
- ``real_samples = ...``, ``noise = ...``, ``lr = ...`` are left out: real numbers come from
  N(0.5, 0.1), noise from N(0, 1), the learning rate decays slowly;
- ``optimizer.lr = lr`` changes nothing in Keras 3 (and is an error here): ``optimizer.learning_rate``.
"""
import numpy as np

import seegrad as tf  # was: import tensorflow as tf


# 定义生成器和判别器的结构 (the generator and the discriminator)
def create_generator():
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation='relu', input_shape=(100,)),
        tf.keras.layers.Dense(64, activation='relu'),
        tf.keras.layers.Dense(1, activation='tanh')
    ])
    return model


def create_discriminator():
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(128, activation='relu', input_shape=(1,)),
        tf.keras.layers.Dense(64, activation='relu'),
        tf.keras.layers.Dense(1, activation='sigmoid')
    ])
    return model


def build_models():
    generator, discriminator = create_generator(), create_discriminator()
    # 编译生成器和判别器 (compile: the discriminator alone, and the generator through the frozen discriminator)
    discriminator.compile(loss='binary_crossentropy', optimizer='adam')
    discriminator.trainable = False
    gan = tf.keras.Sequential([generator, discriminator])
    gan.compile(loss='binary_crossentropy', optimizer='adam')
    return generator, discriminator, gan


def main(models=None, steps=3000, batch_size=64, seed=0, verbose=True):
    rng = np.random.default_rng(seed)
    generator, discriminator, gan = models or build_models()
    # 训练生成器和判别器 (train them in turn)
    for step in range(steps):
        # 训练判别器 (the discriminator: real numbers are 1, generated ones 0)
        discriminator.trainable = True
        real_samples = rng.normal(0.5, 0.1, size=(batch_size, 1))
        noise = rng.normal(size=(batch_size, 100))
        fake_samples = generator.predict(noise, verbose=0)
        d_loss_real = discriminator.train_on_batch(real_samples, np.ones((batch_size, 1)))
        d_loss_fake = discriminator.train_on_batch(fake_samples, np.zeros((batch_size, 1)))
        d_loss = d_loss_real + d_loss_fake

        # 训练生成器 (the generator, through the frozen discriminator: make it say "real")
        discriminator.trainable = False
        noise = rng.normal(size=(batch_size, 100))
        g_loss = gan.train_on_batch(noise, np.ones((batch_size, 1)))

        # 更新学习率 (a slowly decaying learning rate)
        lr = 0.001 / (1 + step / 2000)
        gan.optimizer.learning_rate = lr
        discriminator.optimizer.learning_rate = lr
        if verbose and (step + 1) % 500 == 0:
            print(f"step {step + 1}: d_loss {d_loss:.4f}  g_loss {g_loss:.4f}")

    # 生成数据 (generate)
    z = rng.normal(size=(1000, 100))
    generated = generator.predict(z, verbose=0)
    print(f"generated numbers: mean {generated.mean():.3f}, sd {generated.std():.3f} (real: 0.500, 0.100)")
    return generated


if __name__ == "__main__":
    main()
