#include <stdio.h>

int main(void) {
    puts("Hello from C in WebAssembly!");
    return 0;
}
