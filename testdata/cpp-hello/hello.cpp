#include <iostream>
#include <string>
#include <vector>

int main() {
    std::vector<std::string> words{"Hello", "from", "C++", "in", "WebAssembly!"};
    std::string line;
    for (const auto &w : words) line += (line.empty() ? "" : " ") + w;
    std::cout << line << std::endl;
    return 0;
}
