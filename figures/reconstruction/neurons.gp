# neurons: drawn by `gnuplot neurons.gp` from neurons.dat; edit freely and re-run.
# 6in x 4.657in, font 'Sans,10', PNG at 150 dpi.
set terminal pngcairo size 900,699 enhanced font 'Sans,10' fontscale 2.083 linewidth 2.083 pointscale 2.083
set output 'neurons.png'
set border lc rgb '#444444'
set grid lc rgb '#dddddd'
set logscale y
set title "Whole neurons: perplexity / dense" noenhanced
set key below center horizontal maxcols 1 reverse Left nobox height 1 font ',7'
set xlabel "share of FFN rows pruned" noenhanced
set ylabel "perplexity / dense perplexity" noenhanced
set format x '%.0f%%'
plot 'neurons.dat' index 0 using ($1*100):2 title "wpr [neurons]" noenhanced with linespoints lc rgb '#00314D' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 1 using ($1*100):2 title "wpr [neurons] + bias" noenhanced with linespoints lc rgb '#007ABF' dt 2 pt 7 ps 0.8, \
     'neurons.dat' index 2 using ($1*100):2 title "wpr [neurons] + least_squares" noenhanced with linespoints lc rgb '#32B5FF' dt 3 pt 7 ps 0.8, \
     'neurons.dat' index 3 using ($1*100):2 title "wanda [neurons]" noenhanced with linespoints lc rgb '#6F3100' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 4 using ($1*100):2 title "wanda [neurons] + bias" noenhanced with linespoints lc rgb '#E26400' dt 2 pt 7 ps 0.8, \
     'neurons.dat' index 5 using ($1*100):2 title "wanda [neurons] + least_squares" noenhanced with linespoints lc rgb '#FFA056' dt 3 pt 7 ps 0.8, \
     'neurons.dat' index 6 using ($1*100):2 title "neuron_output [neurons]" noenhanced with linespoints lc rgb '#0A431D' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 7 using ($1*100):2 title "neuron_output [neurons] + bias" noenhanced with linespoints lc rgb '#159540' dt 2 pt 7 ps 0.8, \
     'neurons.dat' index 8 using ($1*100):2 title "neuron_output [neurons] + least_squares" noenhanced with linespoints lc rgb '#27E065' dt 3 pt 7 ps 0.8, \
     'neurons.dat' index 9 using ($1*100):2 title "fluctuation [neurons]" noenhanced with linespoints lc rgb '#3D0F26' dt 1 pt 7 ps 0.8, \
     'neurons.dat' index 10 using ($1*100):2 title "fluctuation [neurons] + bias" noenhanced with linespoints lc rgb '#96255D' dt 2 pt 7 ps 0.8, \
     'neurons.dat' index 11 using ($1*100):2 title "fluctuation [neurons] + least_squares" noenhanced with linespoints lc rgb '#D45595' dt 3 pt 7 ps 0.8, \
     1 title 'dense' with lines lc rgb '#000000' dt 2
set terminal svg size 432,335 enhanced font 'Sans,10' linewidth 1
set output 'neurons.svg'
replot
unset output
