// The list of exercises: id, chapter, title and file, in the order the progress table prints them.
// One place for all four, so the "not done yet" messages, the table and the tests agree.
#pragma once
#include <string>
#include <vector>

namespace gs::workbook {

struct Exercise {
    std::string id;        // "04.3": chapter 04, exercise 3
    std::string chapter;   // "04 backprop through ops"
    std::string title;     // "softmax backward"
    std::string file;      // "04_3_softmax_backward.cpp", in work/, stubs/ and solutions/
};

const std::vector<Exercise>& catalog();

// The entry with this id; throws std::invalid_argument listing the ids if there is none.
const Exercise& find_exercise(const std::string& id);

// GoogleTest suite of an exercise: "04.3" -> "Ex04_3"
std::string suite_name(const std::string& id);

}  // namespace gs::workbook
